// `trove health`: asks the running Trove of this configuration whether it is alive (or ready),
// for container health checks in an image with no curl. Exit 0 when it answers 200, else 1.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { EcosystemRegistry } from '../ecosystems/registry.js';
import { localUrl } from '../server/public-url.js';
import { load, type CommonOptions } from './serve.js';

const TIMEOUT_MS = 5000;

export async function runHealth(
  registry: EcosystemRegistry,
  opts: CommonOptions & { ready?: boolean; url?: string },
): Promise<void> {
  const base =
    opts.url ??
    (() => {
      const { config } = load(registry, opts);
      const { host, port } = config.server.listen;
      return localUrl(config.server.tls ? 'https' : 'http', host, port);
    })();
  const url = `${base.replace(/\/+$/, '')}/${opts.ready ? 'ready' : 'health'}`;
  const status = await new Promise<number | string>((resolve) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    // The certificate names the public host, not loopback: this probe checks liveness only.
    const req = request(url, { rejectUnauthorized: false, timeout: TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)));
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
  if (status === 200) {
    process.stdout.write(`${url}: ok\n`);
    return;
  }
  process.stderr.write(
    `trove: ${url}: ${typeof status === 'number' ? `HTTP ${status}` : status}\n`,
  );
  process.exitCode = 1;
}
