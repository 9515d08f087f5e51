// Users with passwords: an htpasswd file (read again when it changes) and users in config.
// bcrypt runs on libuv's thread pool, so checks never block the event loop.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { verify } from '@node-rs/bcrypt';
import type { Logger } from 'pino';
import type { AccessConfig } from './config.js';
import { pollFiles } from '../util/poll-files.js';
import { parseHtpasswd } from './htpasswd.js';

type Check = { kind: 'bcrypt'; hash: string } | { kind: 'plain'; sha256: Buffer };

// Checked when the user is unknown, so an unknown user takes as long as a wrong password.
const DUMMY = '$2b$10$K3j7QoiPzt8p21KqSx1x3ObyREJjDTQH7Np.Md6gy.OyOdz7Io4sO';

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

export class PasswordBook {
  readonly #config = new Map<string, Check>();
  #file = new Map<string, string>();
  readonly #path: string | undefined;
  readonly #log: Logger;
  readonly #unwatch: () => void = () => {};
  /** Called after the htpasswd file was read again (verified-credential caches drop). */
  onReload: () => void = () => {};

  constructor(cfg: Pick<AccessConfig, 'htpasswd' | 'users'>, log: Logger) {
    this.#log = log;
    for (const u of cfg.users) {
      this.#config.set(
        u.name,
        u.password_hash !== undefined
          ? { kind: 'bcrypt', hash: u.password_hash }
          : { kind: 'plain', sha256: sha256(u.password?.reveal() ?? '') },
      );
    }
    this.#path = cfg.htpasswd;
    if (this.#path) {
      this.#read();
      this.#unwatch = pollFiles([this.#path], () => {
        this.#read();
        this.onReload();
      });
    }
  }

  get size(): number {
    return this.#config.size + this.#file.size;
  }

  /** Whether the password is the user's (in constant time for plain secrets). */
  async verify(user: string, password: string): Promise<boolean> {
    const check: Check | undefined =
      this.#config.get(user) ??
      (this.#file.has(user) ? { kind: 'bcrypt', hash: this.#file.get(user) as string } : undefined);
    if (!check) {
      await verify(password, DUMMY).catch(() => false);
      return false;
    }
    if (check.kind === 'plain') return timingSafeEqual(sha256(password), check.sha256);
    return verify(password, check.hash).catch(() => false);
  }

  close(): void {
    this.#unwatch();
  }

  #read(): void {
    const path = this.#path as string;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      // Keep the users we had: a file being replaced is briefly absent.
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      this.#log.error(
        { file: path, code },
        'cannot read the htpasswd file; keeping its last users',
      );
      return;
    }
    const parsed = parseHtpasswd(text, path);
    for (const problem of parsed.problems) {
      this.#log.error({ file: path }, `htpasswd entry refused: ${problem}`);
    }
    this.#file = parsed.users;
    this.#log.info({ file: path, users: parsed.users.size }, 'htpasswd file read');
  }
}
