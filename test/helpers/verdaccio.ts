// A real Verdaccio 6 registry on loopback as the npm upstream, with packages written straight
// into its storage (packument, tarballs, publish times chosen by the test), so fixtures are
// deterministic and fast. Verdaccio comes from test/tools/npm (bash .ci/run installs it).
// No test-runner imports: the benchmarks use it too.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { integrity, tarball } from './npm-tarball.js';

/** test/tools/npm/node_modules, found from wherever this file was compiled to. */
function toolsDir(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'test', 'tools', 'npm');
    if (existsSync(join(candidate, 'package.json'))) return join(candidate, 'node_modules');
    dir = dirname(dir);
  }
  return join(import.meta.dirname, '..', 'tools', 'npm', 'node_modules');
}

export const NPM_TOOLS = toolsDir();
export const VERDACCIO = join(NPM_TOOLS, 'verdaccio', 'bin', 'verdaccio');

export interface FixtureVersion {
  version: string;
  /** ISO publish time; now when absent. */
  time?: string;
  dependencies?: Record<string, string>;
  description?: string;
  /** Extra files in the tarball besides package.json. */
  files?: Record<string, string>;
}

export interface FixturePackage {
  name: string;
  versions: FixtureVersion[];
}

export interface Verdaccio {
  url: string;
  storage: string;
  /** Tarball bytes by `<name>@<version>`. */
  tarballs: Map<string, Buffer>;
  pid: number;
  /** Adds a user and returns its bearer token. */
  addUser(name: string, password: string): Promise<string>;
  stop(): Promise<void>;
}

/** Whether the npm test tools are installed; in CI (CI=true) their absence fails the run. */
export function npmToolsReady(): boolean {
  if (existsSync(VERDACCIO)) return true;
  const msg = 'npm test tools missing: run `npm ci --prefix test/tools/npm` (bash .ci/run does)';
  if (process.env['CI'] === 'true') throw new Error(msg);
  console.warn(`\n!!! SKIPPING: ${msg}\n`);
  return false;
}

/** The npm client's environment without the npm_config_* settings of the npm running tests. */
export function cleanNpmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && !/^(pnpm|yarn|corepack)_/i.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

function writePackage(
  storage: string,
  pkg: FixturePackage,
  base: string,
  out: Map<string, Buffer>,
) {
  const dir = join(storage, pkg.name);
  mkdirSync(dir, { recursive: true });
  const bare = pkg.name.split('/').pop() as string;
  const versions: Record<string, unknown> = {};
  const time: Record<string, string> = {};
  const attachments: Record<string, unknown> = {};
  for (const v of pkg.versions) {
    const manifest = {
      name: pkg.name,
      version: v.version,
      description: v.description ?? `fixture ${pkg.name}`,
      main: 'index.js',
      license: 'MIT',
      ...(v.dependencies ? { dependencies: v.dependencies } : {}),
    };
    const data = tarball({
      'package.json': JSON.stringify(manifest, null, 2),
      'index.js': `module.exports = ${JSON.stringify(`${pkg.name}@${v.version}`)};\n`,
      ...v.files,
    });
    out.set(`${pkg.name}@${v.version}`, data);
    const file = `${bare}-${v.version}.tgz`;
    writeFileSync(join(dir, file), data);
    versions[v.version] = {
      ...manifest,
      _id: `${pkg.name}@${v.version}`,
      dist: { ...integrity(data), tarball: `${base}/${pkg.name}/-/${file}` },
    };
    time[v.version] = v.time ?? new Date().toISOString();
    attachments[file] = { shasum: integrity(data).shasum, version: v.version };
  }
  const sorted = Object.values(time).sort();
  const latest = pkg.versions.at(-1)?.version as string;
  const doc = {
    name: pkg.name,
    versions,
    time: { created: sorted[0], modified: sorted.at(-1), ...time },
    users: {},
    'dist-tags': { latest },
    _uplinks: {},
    _distfiles: {},
    _attachments: attachments,
    _rev: '1-0000000000000000',
    _id: pkg.name,
    readme: `# ${pkg.name}\n`,
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(doc, null, 2));
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export async function startVerdaccio(
  packages: FixturePackage[],
  opts: { token?: string; uplink?: string; port?: number } = {},
): Promise<Verdaccio> {
  const root = mkdtempSync(join(tmpdir(), 'trove-verdaccio-'));
  const storage = join(root, 'storage');
  mkdirSync(storage);
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const tarballs = new Map<string, Buffer>();
  for (const p of packages) writePackage(storage, p, url, tarballs);
  writeFileSync(
    join(storage, '.verdaccio-db.json'),
    JSON.stringify({ list: packages.map((p) => p.name), secret: 'f'.repeat(32) }),
  );
  const access = opts.token ? '$authenticated' : '$all';
  writeFileSync(
    join(root, 'config.yaml'),
    [
      `storage: ${storage}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(root, 'htpasswd')}`,
      '    max_users: 100',
      opts.uplink ? `uplinks:\n  up:\n    url: ${opts.uplink}` : 'uplinks: {}',
      'packages:',
      "  '**':",
      `    access: ${access}`,
      '    publish: $authenticated',
      ...(opts.uplink ? ['    proxy: up'] : []),
      'server:',
      '  keepAliveTimeout: 60',
      'middlewares:',
      '  audit:',
      '    enabled: false',
      'log: { type: stdout, format: json, level: error }',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [VERDACCIO, '--config', join(root, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'inherit'], env: cleanNpmEnv({ NODE_ENV: 'production' }) },
  );
  // Up within 30 s, polled every 50 ms.
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}`);
    const up = await fetch(`${url}/-/ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (i >= 600) throw new Error('verdaccio did not start within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    storage,
    tarballs,
    pid: child.pid as number,
    async addUser(name, password) {
      const r = await fetch(`${url}/-/user/org.couchdb.user:${name}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, password }),
      });
      const body = (await r.json()) as { token?: string };
      if (!body.token) throw new Error(`verdaccio did not add ${name}: ${r.status}`);
      return body.token;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
