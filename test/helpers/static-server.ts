// A static file server over a directory, as a real upstream for end-to-end tests (plain HTTP,
// or HTTPS with a given certificate).
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, normalize } from 'node:path';
import { FakeUpstream } from './fake-server.js';

function serveFrom(root: string, u: FakeUpstream) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] as string);
    u.hits.set(path, (u.hits.get(path) ?? 0) + 1);
    u.requests.push(req);
    const file = normalize(join(root, path));
    let size: number;
    try {
      const s = statSync(file);
      if (!file.startsWith(root) || !s.isFile()) throw new Error('not a file');
      size = s.size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    const lastModified = statSync(file).mtime.toUTCString();
    if (req.headers['if-modified-since'] === lastModified) return void res.writeHead(304).end();
    res.writeHead(200, { 'content-length': size, 'last-modified': lastModified });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  };
}

export async function serveDirectory(
  root: string,
  tls?: { key: string; cert: string },
  port = 0,
): Promise<FakeUpstream> {
  const u = new FakeUpstream(tls);
  u.server.removeAllListeners('request');
  u.server.on('request', serveFrom(root, u));
  return u.start(port);
}
