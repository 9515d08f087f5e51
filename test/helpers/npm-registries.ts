// The registries behind the npm end-to-end tests: a public Verdaccio (alpha with 45 versions,
// the newest published now; a tree of 50 packages; a public scope; a package to tamper with),
// a private one for @corp with its own token, and a proxy in front of the public one that
// answers the bulk audit and records every request's headers.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll } from 'vitest';
import { startTrove, type TestTrove } from './trove.js';
import { startVerdaccio, type FixturePackage, type Verdaccio } from './verdaccio.js';

export const DAY = 86_400_000;
const EPOCH = Date.parse('2020-01-01T00:00:00.000Z');

/** alpha: 45 versions a day apart, the last published now; a binary tree of 50 packages. */
export function publicPackages(): FixturePackage[] {
  const alpha: FixturePackage = {
    name: 'alpha',
    versions: Array.from({ length: 45 }, (_, i) => ({
      version: `1.${i}.0`,
      ...(i < 44 ? { time: new Date(EPOCH + i * DAY).toISOString() } : {}),
    })),
  };
  const tree: FixturePackage[] = Array.from({ length: 50 }, (_, i) => {
    const deps: Record<string, string> = {};
    for (const c of [2 * i + 1, 2 * i + 2])
      if (c < 50) deps[`dep-${String(c).padStart(2, '0')}`] = '^1.0.0';
    return {
      name: `dep-${String(i).padStart(2, '0')}`,
      versions: [{ version: '1.0.0', time: '2021-01-01T00:00:00.000Z', dependencies: deps }],
    };
  });
  return [
    alpha,
    ...tree,
    { name: '@pub/thing', versions: [{ version: '1.0.0', time: '2021-02-01T00:00:00.000Z' }] },
    { name: 'tampered', versions: [{ version: '1.0.0', time: '2021-03-01T00:00:00.000Z' }] },
  ];
}

const ADVISORY = {
  alpha: [
    {
      id: 1001,
      url: 'https://advisories.example.test/1001',
      title: 'Prototype pollution in alpha',
      severity: 'high',
      vulnerable_versions: '<=1.44.0',
      cwe: ['CWE-1321'],
      cvss: { score: 7.5, vectorString: null },
    },
  ],
};

/** In front of the public registry: answers the bulk audit, relays the rest, records headers. */
export async function frontProxy(
  target: string,
  seen: IncomingMessage['headers'][],
  audits: string[],
) {
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/-/npm/v1/security/advisories/bulk') {
        const raw = Buffer.concat(parts);
        audits.push(
          (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString(),
        );
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(ADVISORY));
        return;
      }
      const up = request(
        `${target}${req.url}`,
        { method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(parts));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export interface NpmRegistries {
  pub: Verdaccio;
  priv: Verdaccio;
  /** The private registry's token (only Trove holds it). */
  token: string;
  /** The proxy in front of `pub`: Trove's default upstream. */
  front: { url: string; stop(): Promise<void> };
  /** Headers of every request the public side received. */
  seen: IncomingMessage['headers'][];
  /** Bodies of the bulk audits it answered. */
  audits: string[];
  /** Trove's npm instance for these registries. */
  instance(): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startNpmRegistries(): Promise<NpmRegistries> {
  const pub = await startVerdaccio(publicPackages());
  const priv = await startVerdaccio(
    [
      {
        name: '@corp/secret',
        versions: [
          { version: '1.0.0', time: '2021-04-01T00:00:00.000Z', dependencies: { alpha: '^1.0.0' } },
        ],
      },
    ],
    { token: 'yes' },
  );
  const token = await priv.addUser('ci', 'ci-password-1');
  const seen: IncomingMessage['headers'][] = [];
  const audits: string[] = [];
  const front = await frontProxy(pub.url, seen, audits);
  return {
    pub,
    priv,
    token,
    front,
    seen,
    audits,
    instance: () => ({
      type: 'npm',
      upstreams: [front.url],
      scopes: { '@corp': { upstreams: [{ url: priv.url, auth: { bearer: token } }] } },
    }),
    async stop() {
      await front.stop();
      await pub.stop();
      await priv.stop();
    },
  };
}

export interface NpmSuite {
  /** A scratch folder (with `home/` in it), removed afterwards. */
  work: string;
  regs: NpmRegistries;
  trove: TestTrove;
  /** Trove's npm registry URL, with its trailing slash. */
  registry: string;
}

/** Registers the hooks that start the registries and a Trove in front of them for a suite. */
export function npmSuite(prefix: string): NpmSuite {
  const s = {} as NpmSuite;
  beforeAll(async () => {
    s.work = mkdtempSync(join(tmpdir(), prefix));
    mkdirSync(join(s.work, 'home'));
    s.regs = await startNpmRegistries();
    s.trove = await startTrove({ instances: { npm: s.regs.instance() } });
    s.registry = `${s.trove.url}/npm/`;
  }, 120_000);
  afterAll(async () => {
    await s.trove?.stop();
    await s.regs?.stop();
    if (s.work) rmSync(s.work, { recursive: true, force: true });
  });
  return s;
}
