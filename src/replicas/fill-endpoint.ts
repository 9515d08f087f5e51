// The internal endpoint other replicas stream a live fill from: GET /_trove/fills/<key>, with
// the replicas' shared token. It answers on its own listener, never on the public one. The
// answer is the fill's outcome (header x-trove-outcome), then the body as the fill makes it
// safe to send, ended only once the fill is complete and verified; a fill that fails cuts the
// body. 404: no fill of that key runs here (it ended: the index has the answer).
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import { streamFill } from '../engine/fill-reader.js';
import { outcomeToWire } from '../cluster/messages.js';

const PREFIX = '/_trove/fills/';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function fillEndpoint(
  engine: Engine,
  token: string,
  log: Logger,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const expected = digest(`Bearer ${token}`);
  return async (req, res) => {
    const given = digest(req.headers.authorization ?? '');
    if (!timingSafeEqual(given, expected)) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('replica token required\n');
      return;
    }
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method !== 'GET' || !path.startsWith(PREFIX)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    let key: string;
    try {
      key = decodeURIComponent(path.slice(PREFIX.length));
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad key\n');
      return;
    }
    const fill = await engine.liveFill(key);
    if (!fill) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such fill\n');
      return;
    }
    const o = await fill.outcome;
    const head: Record<string, string> = { 'x-trove-outcome': JSON.stringify(outcomeToWire(o)) };
    if (o.kind !== 'body') {
      res.writeHead(200, { ...head, 'content-length': '0' }).end();
      return;
    }
    if (!fill.tryAcquire()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('fill ended\n');
      return;
    }
    try {
      if (o.size !== null) head['content-length'] = String(o.size);
      res.writeHead(200, head);
      const sent = await streamFill(fill, res);
      log.debug({ key, bytes: sent }, 'streamed a live fill to another replica');
    } finally {
      fill.release();
    }
  };
}
