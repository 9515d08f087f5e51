// Reading an upstream's answer for a fill: the reason of a 404, what an odd status means,
// which headers are kept, and how far the spool may lag behind the network.
import { TroveError } from '../errors.js';
import type { UpstreamResponse } from '../upstream/upstream-pool.js';

/**
 * The first line of a short text/plain 404/410 body ("not found: … unknown revision"), so
 * clients see the upstream's reason, not only the status.
 */
export async function notFoundReason(res: UpstreamResponse): Promise<string | undefined> {
  if (!/^text\/plain/i.test(res.headers['content-type'] ?? '')) {
    res.body.resume();
    return undefined;
  }
  let text = '';
  try {
    for await (const chunk of res.body) {
      text += (chunk as Buffer).toString('utf8');
      if (text.length > 1024) break;
    }
  } catch {
    return undefined;
  } finally {
    res.body.destroy();
  }
  const line = (text.split('\n')[0] ?? '').replace(/[^\x20-\x7e]/g, '').trim();
  return line ? line.slice(0, 300) : undefined;
}

/** How far the spool may fall behind the network before the body is paused (see consume-body). */
export function bufferLimit(headers: Record<string, string>): number {
  const closing = /(^|,)\s*close\s*(,|$)/i.test(headers['connection'] ?? '');
  return closing ? 64 * 1024 * 1024 : 2 * 1024 * 1024;
}

export function pickHeaders(
  all: Record<string, string>,
  keep: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of keep) {
    const v = all[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export function statusError(res: UpstreamResponse): TroveError {
  if (res.status === 429) {
    return new TroveError(
      'TROVE_ERR_UPSTREAM_RATE_LIMIT',
      'upstream answered 429 Too Many Requests',
    );
  }
  if (res.status >= 400 && res.status < 500) {
    // Other 4xx (401, 403, …) are the upstream's answer about this object: pass the status on.
    return new TroveError('TROVE_ERR_UPSTREAM_STATUS', `upstream answered ${res.status}`, {
      status: res.status,
    });
  }
  // 5xx, and answers that make no sense for a plain GET: a 206 (a range nobody asked for), a
  // 304 to an unconditional request, other 2xx and 3xx. None is the object; none is passed on.
  const why = res.status >= 500 ? '' : ' to a plain GET';
  return new TroveError('TROVE_ERR_UPSTREAM_STATUS', `upstream answered ${res.status}${why}`);
}
