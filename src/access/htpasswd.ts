// htpasswd files (Apache's format: `user:hash` per line). Only bcrypt entries are taken: MD5
// ($apr1$), SHA-1 ({SHA}) and crypt() hashes are too cheap to brute-force, so each is refused
// with a message that names its line.
import { bcryptProblem } from './config.js';

export interface HtpasswdFile {
  users: Map<string, string>;
  /** One message per refused line. */
  problems: string[];
}

export function parseHtpasswd(text: string, file: string): HtpasswdFile {
  const users = new Map<string, string>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const where = `${file}:${i + 1}`;
    if (colon <= 0) {
      problems.push(`${where}: not a "user:hash" line`);
      return;
    }
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    const why = bcryptProblem(hash);
    if (why) problems.push(`${where}: user "${user}" ${why}`);
    else if (users.has(user)) problems.push(`${where}: user "${user}" is listed twice`);
    else users.set(user, hash);
  });
  return { users, problems };
}
