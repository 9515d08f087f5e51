// npm workloads: a Verdaccio registry on loopback is the upstream of both Trove and the peer
// (a second Verdaccio with an uplink to it), and nginx serves the same bytes statically.
//   W2-npm: warm packument hits (40 versions, and one of about 1 MB), 64 connections
//   W5-npm: `npm ci` of a 50-package tree into an empty npm cache, cold and warm
//   W4-npm: peak RSS while 20 clients fetch a cold packument of over 100 MB
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { cleanNpmEnv, type FixturePackage } from '../../test/helpers/verdaccio.js';
import { timed } from './proc.js';

export { VERDACCIO, startVerdaccio } from '../../test/helpers/verdaccio.js';

const TREE = 50;
const dep = (i: number): string => `dep-${String(i).padStart(2, '0')}`;

/** alpha (40 versions), big (a packument of about 1 MB) and a binary tree of 50 packages. */
export function npmFixtures(): FixturePackage[] {
  const old = (i: number): string => new Date(Date.UTC(2021, 0, 1 + i)).toISOString();
  const versions = (n: number, description?: string) =>
    Array.from({ length: n }, (_, i) => ({
      version: `1.${i}.0`,
      time: old(i),
      ...(description ? { description } : {}),
    }));
  const tree = Array.from({ length: TREE }, (_, i) => {
    const deps: Record<string, string> = {};
    for (const c of [2 * i + 1, 2 * i + 2]) if (c < TREE) deps[dep(c)] = '^1.0.0';
    return { name: dep(i), versions: [{ version: '1.0.0', time: old(0), dependencies: deps }] };
  });
  return [
    { name: 'alpha', versions: versions(40) },
    { name: 'big', versions: versions(700, 'd'.repeat(1000)) },
    ...tree,
  ];
}

/** A packument of about `mb` MiB, in the registry's shape, for a static origin. */
export function hugePackument(path: string, mb: number): void {
  const pad = 'x'.repeat(9000);
  const n = Math.ceil((mb * 1024 * 1024) / 9300);
  const parts = ['{"_id":"huge","name":"huge","dist-tags":{"latest":"1.0.0"},"versions":{'];
  for (let i = 0; i < n; i++) {
    const v = `1.0.${i}`;
    parts.push(
      `${i ? ',' : ''}"${v}":{"name":"huge","version":"${v}","description":"${pad}",` +
        `"dist":{"shasum":"${'0'.repeat(40)}","tarball":"http://origin.invalid/huge/-/huge-${v}.tgz"}}`,
    );
  }
  parts.push('},"time":{"modified":"2025-01-01T00:00:00.000Z"}}');
  writeFileSync(path, parts.join(''));
}

/** Copies the origin's tarballs into `<root>/<name>/-/<file>`, the layout lockfiles name. */
export function staticTarballs(storage: string, root: string, fixtures: FixturePackage[]): void {
  for (const p of fixtures) {
    for (const v of p.versions) {
      const file = `${p.name.split('/').pop() as string}-${v.version}.tgz`;
      mkdirSync(join(root, p.name, '-'), { recursive: true });
      copyFileSync(join(storage, p.name, file), join(root, p.name, '-', file));
    }
  }
}

/** A response body as sent (no decoding). */
export function rawGet(url: string, headers: Record<string, string>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve(Buffer.concat(parts)));
      res.on('error', reject);
    }).on('error', reject);
  });
}

function npm(args: string[], cwd: string, home: string): Promise<number> {
  const env = cleanNpmEnv({ HOME: home, npm_config_userconfig: join(cwd, '.npmrc') });
  return timed('npm', args, { cwd, env, what: `npm ${args.join(' ')}` });
}

/** An app depending on the tree's root, with a lockfile resolved through `registry`. */
export async function npmApp(work: string, registry: string): Promise<string> {
  const app = join(work, 'npm-app');
  rmSync(app, { recursive: true, force: true });
  mkdirSync(join(app, '.home'), { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'bench-app',
      version: '1.0.0',
      private: true,
      dependencies: { [dep(0)]: '^1.0.0' },
    }),
  );
  writeFileSync(
    join(app, '.npmrc'),
    `registry=${registry}\naudit=false\nfund=false\nupdate-notifier=false\nomit-lockfile-registry-resolved=false\n`,
  );
  await npm(
    ['install', '--package-lock-only', '--cache', join(app, '.cache-lock')],
    app,
    join(app, '.home'),
  );
  return app;
}

/** Seconds for `npm ci` into an empty npm cache, with the lockfile's URLs moved to `registry`. */
export async function npmCi(
  app: string,
  from: string,
  registry: string,
  run: number,
): Promise<number> {
  const lock = readFileSync(join(app, 'package-lock.json'), 'utf8');
  const dir = join(app, `..`, `npm-ci-${run}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, '.home'), { recursive: true });
  copyFileSync(join(app, 'package.json'), join(dir, 'package.json'));
  writeFileSync(join(dir, 'package-lock.json'), lock.replaceAll(from, registry));
  writeFileSync(
    join(dir, '.npmrc'),
    `registry=${registry}\naudit=false\nfund=false\nupdate-notifier=false\n`,
  );
  const secs = await npm(
    ['ci', '--cache', join(dir, '.cache'), '--ignore-scripts'],
    dir,
    join(dir, '.home'),
  );
  rmSync(dir, { recursive: true, force: true });
  return secs;
}
