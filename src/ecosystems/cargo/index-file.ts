// A crate's index file: one JSON object per line, one line per published version. It is kept
// as the registry sent it, after a check that every line is a version of the crate asked for
// (an HTML error page or another crate's file gets a 502 and nothing is cached), and read
// before a download to find the version's `cksum`.
import type { BodyView } from '../../engine/types.js';
import { TroveError } from '../../errors.js';

export interface IndexLine {
  name: string;
  vers: string;
  cksum: string;
}

function refuse(why: string): TroveError {
  return new TroveError('TROVE_ERR_UPSTREAM_BODY', `upstream index file refused: ${why}`);
}

/** The versions a file lists; throws TROVE_ERR_UPSTREAM_BODY for anything else. */
export function indexLines(text: string, crate: string): IndexLine[] {
  const out: IndexLine[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw refuse(`line ${i + 1} is not JSON`);
    }
    const o = v as Partial<Record<keyof IndexLine, unknown>> | null;
    if (!o || typeof o.name !== 'string' || typeof o.vers !== 'string') {
      throw refuse(`line ${i + 1} has no name or vers`);
    }
    if (o.name.toLowerCase() !== crate.toLowerCase()) {
      throw refuse(`line ${i + 1} is a version of ${o.name}, not of ${crate}`);
    }
    out.push({ name: o.name, vers: o.vers, cksum: typeof o.cksum === 'string' ? o.cksum : '' });
  }
  return out;
}

export async function checkIndexFile(body: BodyView, crate: string): Promise<void> {
  indexLines((await body.read(0, body.size)).toString('utf8'), crate);
}
