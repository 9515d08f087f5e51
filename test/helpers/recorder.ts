// A relay in front of a server that notes each request's path and Range, and the answer's
// status and type, for tests that check what a real client asked and got.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function recorder(target: string) {
  const seen: Array<{ path: string; range: string; status: number; type: string }> = [];
  const server = createServer((req, res) => {
    const up = request(
      `${target}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers },
      (r) => {
        seen.push({
          path: req.url ?? '/',
          range: String(req.headers.range ?? ''),
          status: r.statusCode ?? 0,
          type: String(r.headers['content-type'] ?? ''),
        });
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
