// The platform ceiling for W2: a bare node:http server answering from a Map of preloaded files,
// with no routing, cache logic or logging. Trove's W2 figure is read against this as well. With
// a worker count above 1 it runs that many processes under node:cluster, as Trove does.
import cluster from 'node:cluster';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const [dir = '.', port = '0', workers = '1'] = process.argv.slice(2);
if (cluster.isPrimary && Number(workers) > 1) {
  for (let i = 0; i < Number(workers); i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(join(dir, 'small')))
    files.set(`/small/${name}`, readFileSync(join(dir, 'small', name)));
  createServer((req, res) => {
    const body = files.get(req.url ?? '');
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
    });
    res.end(body);
  }).listen(Number(port), '127.0.0.1');
}
