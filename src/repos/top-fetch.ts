// Fetching a root's top files from one upstream, each whole and bounded. The first file the
// current generation holds is asked for conditionally, so an unchanged root costs one 304.
import { TroveError } from '../errors.js';
import { statusError } from '../engine/upstream-answer.js';
import { transportError } from '../upstream/errors.js';
import type { Origin, UpstreamResponse } from '../upstream/upstream-pool.js';
import type { Generation, StoredFile } from './generation.js';
import { readBounded } from '../util/read-bounded.js';

export interface FetchedTop {
  body: Buffer;
  lastModified: string | null;
  etag: string | null;
  contentType: string | null;
}

export type TopSet =
  | { kind: 'unchanged' }
  | { kind: 'fetched'; files: Map<string, FetchedTop> }
  /** The upstream refused (403): the root is blocked for a while. */
  | { kind: 'forbidden'; why: string };

async function readTop(res: UpstreamResponse, max: number, what: string): Promise<Buffer> {
  const tooLarge = () =>
    new TroveError('TROVE_ERR_TOO_LARGE', `${what} is larger than ${max} bytes`);
  try {
    return await readBounded(res.body, max, tooLarge);
  } catch (err) {
    throw err instanceof TroveError ? err : transportError(err, what);
  }
}

function conditional(file: StoredFile | undefined): Record<string, string> {
  const h: Record<string, string> = {};
  if (file?.etag) h['if-none-match'] = file.etag;
  if (file?.lastModified) h['if-modified-since'] = file.lastModified;
  return h;
}

/**
 * The top files under `root` from one upstream. A 404/410 leaves a file out; a 403 is
 * `forbidden`; any other failure throws (a transient failure of this upstream).
 */
export async function fetchTop(
  origin: Origin,
  root: string,
  names: readonly string[],
  current: Generation | null,
  maxSize: number,
  locate: (root: string, rel: string) => string,
): Promise<TopSet> {
  const files = new Map<string, FetchedTop>();
  const probe = current ? names.find((n) => current.top[n]) : undefined;
  for (const name of names) {
    const path = locate(root, name);
    const stored = name === probe ? current?.top[name] : undefined;
    let res: UpstreamResponse;
    try {
      res = await origin.fetch(path, {
        headers: { 'accept-encoding': 'identity', ...conditional(stored) },
      });
    } catch (err) {
      throw err instanceof TroveError ? err : transportError(err, path);
    }
    if (res.status === 304 && stored) {
      res.body.resume();
      return { kind: 'unchanged' };
    }
    if (res.status === 404 || res.status === 410) {
      res.body.resume();
      continue;
    }
    if (res.status === 403) {
      res.body.resume();
      return { kind: 'forbidden', why: `${path}: upstream answered 403` };
    }
    if (res.status !== 200) {
      res.body.resume();
      const err = statusError(res);
      throw new TroveError(err.code, `${path}: ${err.message}`, { status: err.status });
    }
    files.set(name, {
      body: await readTop(res, maxSize, path),
      lastModified: res.headers['last-modified'] ?? null,
      etag: res.headers['etag'] ?? null,
      contentType: res.headers['content-type'] ?? null,
    });
  }
  return { kind: 'fetched', files };
}
