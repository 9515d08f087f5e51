// PyPI's JSON API (`/pypi/<project>/json`, `/pypi/<project>/<version>/json`), which tools read
// for versions, dates and vulnerabilities: kept byte for byte except each file's `url`, in
// `urls` and in every `releases` list, which points at Trove's file path for that file.
import type { Transform } from '../../derive/derived-origin.js';
import { JsonScanner } from '../../derive/json-scan.js';
import { Splicer } from '../../derive/splicer.js';
import { pieces } from '../../derive/pieces.js';
import type { BodyView } from '../../engine/types.js';
import { TroveError } from '../../errors.js';

/** Trove's URL for a file, from its name and sha256 (undefined when not given). */
export type ApiFileLink = (filename: string, sha256: string | undefined) => string;

function isFile(p: readonly string[]): boolean {
  return (p.length === 2 && p[0] === 'urls') || (p.length === 3 && p[0] === 'releases');
}

function rewritten(raw: Buffer, link: ApiFileLink): Buffer | null {
  const v = JSON.parse(raw.toString('utf8')) as Record<string, unknown> | null;
  if (!v || typeof v !== 'object' || typeof v['filename'] !== 'string') return null;
  const digests = v['digests'] as Record<string, unknown> | undefined;
  const sha = typeof digests?.['sha256'] === 'string' ? digests['sha256'] : undefined;
  return Buffer.from(JSON.stringify({ ...v, url: link(v['filename'], sha?.toLowerCase()) }));
}

export function rewriteApi(link: ApiFileLink): (emit: (b: Buffer) => void) => Transform {
  return (emit) => {
    const splicer = new Splicer(emit);
    const scanner = new JsonScanner({
      descend: (p) => p.length === 1 && p[0] === 'releases',
      elements: (p) =>
        (p.length === 1 && p[0] === 'urls') || (p.length === 2 && p[0] === 'releases'),
      capture: isFile,
      onMember(m) {
        if (!m.raw || !isFile(m.path)) return;
        const to = rewritten(m.raw, link);
        if (to) splicer.replace(m.start, m.end, to);
      },
    });
    return {
      write(chunk) {
        splicer.add(chunk);
        scanner.push(chunk);
        splicer.flush(scanner.settledBefore);
      },
      end() {
        scanner.end();
        splicer.flush(Number.POSITIVE_INFINITY);
      },
    };
  };
}

/** A JSON API document is kept only when it is a whole JSON object. */
export async function checkApi(body: BodyView): Promise<void> {
  const first = (await body.read(0, Math.min(body.size, 64))).toString('utf8').trimStart();
  const scanner = new JsonScanner({ descend: () => false, capture: () => false, onMember() {} });
  try {
    if (!first.startsWith('{')) throw new Error('not a JSON object');
    for await (const piece of pieces(body, 1024 * 1024)) scanner.push(piece);
    scanner.end();
  } catch (err) {
    throw new TroveError(
      'TROVE_ERR_UPSTREAM_BODY',
      `upstream JSON API document refused: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
