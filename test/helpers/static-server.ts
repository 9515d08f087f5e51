// A static file server over a directory, as a real upstream for end-to-end tests.
import { createReadStream, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { FakeUpstream } from './fake-upstream.js';

export async function serveDirectory(root: string): Promise<FakeUpstream> {
  const u = new FakeUpstream();
  u.server.removeAllListeners('request');
  u.server.on('request', (req, res) => {
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
  });
  return u.start();
}
