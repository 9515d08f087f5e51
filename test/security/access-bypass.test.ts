// A bypass fuzz of the access rules: for each ecosystem, thousands of spellings of a denied
// name's paths (test/helpers/path-variants.ts), sent by a user who may read and fetch every
// other name, first while nothing is cached (misses), then after an allowed user cached the
// denied objects (hits). No answer may carry the denied objects' bytes.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CargoRegistry, crate } from '../helpers/cargo-registry.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { MavenRepo } from '../helpers/maven-repo.js';
import { packument } from '../helpers/npm-packuments.js';
import { pathVariants } from '../helpers/path-variants.js';
import { wheel } from '../helpers/pypi-dists.js';
import { PypiIndex } from '../helpers/pypi-index.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const VARIANTS = 600; // per path and phase
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const ALICE = basic('alice', 'alice-pw');
const FUZZ = basic('fuzz', 'fuzz-pw');

interface Case {
  /** Instance name (and mount). */
  name: string;
  /** The rule pattern that denies the name to `fuzz`. */
  denied: string;
  /** Paths below the mount that serve the denied name's objects. */
  paths: string[];
  /** Bytes that only the denied objects' answers hold. */
  markers: Buffer[];
}

interface Tally {
  requests: number;
  served: number;
  status: Map<number, number>;
  examples: string[];
}

/** GET with a raw path (no client-side normalization), bounded in time. */
function rawGet(base: string, path: string, authorization: string) {
  const u = new URL(base);
  return new Promise<{ status: number; body: Buffer; cache: string }>((resolve) => {
    const req = request(
      { host: u.hostname, port: u.port, path, headers: { authorization }, timeout: 10_000 },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(parts),
            cache: String(res.headers['x-cache'] ?? ''),
          }),
        );
        res.on('error', () => resolve({ status: -1, body: Buffer.alloc(0), cache: '' }));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: -1, body: Buffer.alloc(0), cache: '' }));
    req.end();
  });
}

async function fuzz(base: string, c: Case, seed: number): Promise<Tally> {
  const tally: Tally = { requests: 0, served: 0, status: new Map(), examples: [] };
  const all = c.paths.flatMap((p, i) => pathVariants(p, VARIANTS, seed * 100 + i));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < all.length) {
      const v = all[next++] as string;
      const got = await rawGet(base, `/${c.name}/${v}`, FUZZ);
      tally.requests++;
      tally.status.set(got.status, (tally.status.get(got.status) ?? 0) + 1);
      if (got.status < 400 && c.markers.some((m) => got.body.includes(m))) {
        tally.served++;
        if (tally.examples.length < 5) tally.examples.push(`${got.status} /${c.name}/${v}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 24 }, worker));
  return tally;
}

describe('access rules cannot be bypassed by spelling a denied name differently', () => {
  let trove: TestTrove;
  const stops: Array<() => Promise<void>> = [];
  const cases: Case[] = [];
  const instances: Record<string, unknown> = {};
  const figures: string[] = [];

  const add = (c: Case, instance: Record<string, unknown>) => {
    cases.push(c);
    instances[c.name] = {
      ...instance,
      access: {
        rules: [
          { who: 'alice', allow: ['read', 'fetch'] },
          { who: 'fuzz', names: c.denied, deny: ['read'] },
          { who: 'fuzz', allow: ['read', 'fetch'] },
        ],
      },
    };
  };

  beforeAll(async () => {
    const fake = async () => {
      const u = await new FakeUpstream().start();
      stops.push(() => u.stop());
      return u;
    };
    // file
    const files = await fake();
    files.file('/secret/data.txt', 'TOP-SECRET-FILE\n');
    add(
      {
        name: 'files',
        denied: 'secret/**',
        paths: ['secret/data.txt'],
        markers: [Buffer.from('TOP-SECRET-FILE')],
      },
      { type: 'file', upstreams: [files.url] },
    );
    // go
    const goUp = await fake();
    goUp.file('/example.com/secret/@v/v1.0.0.mod', 'module example.com/secret // TOP-SECRET-GO\n');
    goUp.file(
      '/example.com/secret/@v/v1.0.0.info',
      '{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z","Origin":{"TOP-SECRET-GO":1}}',
    );
    goUp.file('/example.com/secret/@v/list', 'v1.0.0 TOP-SECRET-GO\n');
    add(
      {
        name: 'go',
        denied: 'example.com/secret',
        paths: ['example.com/secret/@v/v1.0.0.mod', 'example.com/secret/@v/v1.0.0.info'],
        markers: [Buffer.from('TOP-SECRET-GO')],
      },
      { type: 'go', path: '/go', upstreams: goUp.url, sumdb: [], verify: false },
    );
    // npm
    const npmUp = await fake();
    const pub = packument('@corp/secret', ['1.0.0'], `${npmUp.url}`, {
      description: 'TOP-SECRET-NPM',
    });
    const doc = JSON.stringify(pub.doc);
    for (const p of ['/@corp%2fsecret', '/@corp%2Fsecret']) {
      npmUp.file(p, doc, { 'content-type': 'application/json' });
    }
    const tgz = pub.tarballs.get('1.0.0') as Buffer;
    npmUp.file('/@corp/secret/-/secret-1.0.0.tgz', tgz);
    add(
      {
        name: 'npm',
        denied: '@corp/secret',
        paths: ['@corp/secret', '@corp/secret/-/secret-1.0.0.tgz'],
        markers: [Buffer.from('TOP-SECRET-NPM'), tgz],
      },
      { type: 'npm', upstreams: [`${npmUp.url}/`] },
    );
    // pypi
    const whl = await wheel('secretpkg', '1.0');
    const index = await PypiIndex.start([whl]);
    stops.push(() => index.stop());
    const sha = createHash('sha256').update(whl.data).digest('hex');
    add(
      {
        name: 'pypi',
        denied: 'secretpkg',
        paths: ['simple/secretpkg/', `files/secretpkg/${sha}/${whl.filename}`],
        markers: [Buffer.from('secretpkg-1.0'), whl.data],
      },
      { type: 'pypi', upstreams: [index.url], file_hosts: [index.files.url] },
    );
    // cargo
    const secretCrate = crate('secret', '1.0.0');
    const reg = await CargoRegistry.start([secretCrate], 'prefix');
    stops.push(() => reg.stop());
    add(
      {
        name: 'cargo',
        denied: 'secret',
        paths: ['se/cr/secret', 'api/v1/crates/secret/1.0.0/download'],
        markers: [Buffer.from('"name":"secret"'), secretCrate.data],
      },
      { type: 'cargo', upstreams: [reg.url] },
    );
    // maven
    const repo = await MavenRepo.start(false);
    stops.push(() => repo.stop());
    const gav = { group: 'com.secret', artifact: 'hidden', version: '1.0' };
    const { jar, pom } = await repo.publish(gav);
    add(
      {
        name: 'maven',
        denied: 'com.secret:*',
        paths: [pom, jar, 'com/secret/hidden/maven-metadata.xml'],
        markers: [Buffer.from('<artifactId>hidden</artifactId>'), repo.files.get(jar) as Buffer],
      },
      { type: 'maven', upstreams: [repo.url] },
    );
    // oci
    const ociUp = await fake();
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      layers: [],
      annotations: { note: 'TOP-SECRET-OCI' },
    });
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    ociUp.route('/v2/', (_q, res) => void res.writeHead(200).end('{}'));
    for (const ref of ['v1', digest]) {
      ociUp.route(`/v2/secret/x/manifests/${ref}`, (_q, res) => {
        res
          .writeHead(200, {
            'content-type': 'application/vnd.oci.image.manifest.v1+json',
            'docker-content-digest': digest,
          })
          .end(manifest);
      });
    }
    add(
      {
        name: 'oci',
        denied: 'docker.io/secret/**',
        // By digest first: a tag fetched first would make the digest a twin hit.
        paths: [`docker.io/secret/x/manifests/${digest}`, 'secret/x/manifests/v1'],
        markers: [Buffer.from('TOP-SECRET-OCI')],
      },
      { type: 'oci', path: '/oci', registries: { 'docker.io': { url: ociUp.url } } },
    );

    trove = await startTrove({
      access: {
        users: [
          { name: 'alice', password: 'alice-pw' },
          { name: 'fuzz', password: 'fuzz-pw' },
        ],
        failures: { limit: 1_000_000 },
      },
      instances,
    });
  }, 120_000);

  afterAll(async () => {
    await trove?.stop();
    for (const s of stops) await s();
    // The figures the closing note quotes.
    console.log(`access bypass fuzz:\n${figures.join('\n')}`);
  });

  const show = (t: Tally) =>
    [...t.status]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');

  const phase = async (label: string, seed: number) => {
    for (const c of cases) {
      const t = await fuzz(trove.url, c, seed);
      expect(t.served, `${c.name}: ${t.examples.join(', ')}`).toBe(0);
      expect(t.status.get(403) ?? 0, c.name).toBeGreaterThan(0);
      figures.push(`  ${c.name} (${label}): ${t.requests} requests, 0 served; statuses ${show(t)}`);
    }
  };

  it('never serves a denied object through any spelling while nothing is cached', async () => {
    await phase('misses', 1);
  }, 300_000);

  it('serves the denied objects to the allowed user, who finds none cached by the fuzz', async () => {
    for (const c of cases) {
      for (const p of c.paths) {
        const got = await rawGet(trove.url, `/${c.name}/${p}`, ALICE);
        expect(got.status, `${c.name}/${p}`).toBe(200);
        expect(
          c.markers.some((m) => got.body.includes(m)),
          `${c.name}/${p}`,
        ).toBe(true);
        expect(got.cache, `${c.name}/${p}`).not.toBe('HIT');
      }
    }
  });

  it('never serves a denied object through any spelling once it is cached', async () => {
    await phase('hits', 2);
  }, 300_000);
});
