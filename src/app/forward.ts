// Relays a request the cache must not keep (search, audit, ping): the client's body goes to
// the upstream unchanged, and the upstream's answer comes back as it is, status included.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { readBounded } from '../util/read-bounded.js';
import { TroveError } from '../errors.js';
import type { Forward } from '../ecosystems/ecosystem.js';
import { transportError } from '../upstream/errors.js';
import type { HandledRequest } from '../server/mount.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and framing that Node sets itself. */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return readBounded(
    req,
    max,
    () => new TroveError('TROVE_ERR_BODY_TOO_LARGE', `request body exceeds ${max} bytes`),
  );
}

export async function forward(
  req: IncomingMessage,
  res: ServerResponse,
  f: Forward,
  sendError: (res: ServerResponse, err: TroveError) => void,
): Promise<HandledRequest> {
  let answer;
  try {
    const body = f.method === 'POST' ? await readBody(req, f.maxBody) : undefined;
    answer = await f.origin.fetch(f.path, {
      method: f.method,
      headers: f.headers,
      ...(body ? { body } : {}),
    });
  } catch (err) {
    const e = transportError(err, 'upstream request failed');
    sendError(res, e);
    return { result: 'ERROR', bytes: 0 };
  }
  const headers: Record<string, string> = { 'x-cache': 'BYPASS' };
  for (const [k, v] of Object.entries(answer.headers)) if (!HOP.has(k)) headers[k] = v;
  res.writeHead(answer.status, headers);
  let bytes = 0;
  answer.body.on('data', (c: Buffer) => (bytes += c.length));
  try {
    await pipeline(answer.body, res);
  } catch {
    res.destroy();
  }
  return { result: 'BYPASS', bytes };
}
