// PyPI's JSON API (`/pypi/<project>/json`, `/pypi/<project>/<version>/json`), which tools read
// for versions, dates and vulnerabilities: kept byte for byte except each file's `url`, in
// `urls` and in every `releases` list, which points at Trove's file path for that file.
import type { Transform } from '../../derive/derived-origin.js';
import { scanObject } from '../../derive/json-check.js';
import { jsonRewrite } from '../../derive/json-rewrite.js';
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
  return (emit) =>
    jsonRewrite(
      emit,
      {
        descend: (p) => p.length === 1 && p[0] === 'releases',
        elements: (p) =>
          (p.length === 1 && p[0] === 'urls') || (p.length === 2 && p[0] === 'releases'),
        capture: isFile,
      },
      (m) => (isFile(m.path) ? rewritten(m.raw, link) : null),
    );
}

/** A JSON API document is kept only when it is a whole JSON object. */
export async function checkApi(body: BodyView): Promise<void> {
  try {
    await scanObject(body);
  } catch (err) {
    throw new TroveError(
      'TROVE_ERR_UPSTREAM_BODY',
      `upstream JSON API document refused: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
