// Go module fixtures made by the reference implementation (golang.org/x/mod, built from
// test/fixtures/go/gofixture): module zips, a static GOPROXY tree and a checksum database.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FakeUpstream } from './fake-server.js';
import { runCommand } from './run.js';
import { serveDirectory } from './static-server.js';

export const GO = '/usr/lib/go-1.23/bin/go';
const SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'go', 'gofixture');

/** Builds the gofixture tool (GOPATH mode against Debian's golang-golang-x-mod-dev). */
export async function buildGofixture(dir: string): Promise<string> {
  const out = join(dir, 'gofixture');
  const r = await runCommand(GO, ['build', '-o', out, '.'], {
    cwd: SOURCE,
    env: { GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOFLAGS: '', GOTOOLCHAIN: 'local' },
    timeoutMs: 300_000,
  });
  if (r.code !== 0) throw new Error(`building gofixture failed:\n${r.err}`);
  return out;
}

export interface ModuleHashes {
  zip: string;
  mod: string;
}

/** "!"-encoding of upper-case letters, as in module proxy paths. */
export const escapePath = (p: string): string => p.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);

/**
 * Writes a module's sources, zips them with x/mod and adds list, .info, .mod and .zip to a
 * static GOPROXY tree. Returns the h1: hashes x/mod computes.
 */
export async function addModule(
  tool: string,
  work: string,
  tree: string,
  module: string,
  version: string,
  files: Record<string, string>,
): Promise<ModuleHashes> {
  const src = join(work, 'src', `${module}@${version}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, name)), { recursive: true });
    writeFileSync(join(src, name), text);
  }
  const at = join(tree, escapePath(module), '@v');
  mkdirSync(at, { recursive: true });
  const v = escapePath(version);
  const r = await runCommand(tool, ['zip', src, module, version, join(at, `${v}.zip`)]);
  if (r.code !== 0) throw new Error(`zip ${module}@${version}: ${r.err}`);
  const [zip, mod] = r.out.trim().split(' ') as [string, string];
  writeFileSync(join(at, `${v}.mod`), files['go.mod'] ?? `module ${module}\n`);
  writeFileSync(
    join(at, `${v}.info`),
    JSON.stringify({ Version: version, Time: '2024-05-06T07:08:09Z' }),
  );
  appendFileSync(join(at, 'list'), `${version}\n`);
  return { zip, mod };
}

export function goSumLines(module: string, version: string, h: ModuleHashes): string[] {
  return [`${module} ${version} ${h.zip}`, `${module} ${version}/go.mod ${h.mod}`];
}

export interface Sumdb {
  url: string;
  vkey: string;
  stop(): Promise<void>;
}

/** Serves a checksum database (x/mod sumdb test server) for the given go.sum lines. */
export async function startSumdb(tool: string, name: string, gosumFile: string): Promise<Sumdb> {
  const child: ChildProcess = spawn(tool, ['sumdb', name, gosumFile], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sumdb did not start')), 10_000);
    lines.once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once('exit', () => reject(new Error('sumdb exited')));
  });
  const info = JSON.parse(first) as { url: string; vkey: string };
  return {
    ...info,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin?.end();
      await exited;
    },
  };
}

/** An environment for the go command that sees nothing of this machine's Go settings. */
export function goEnv(home: string, over: Record<string, string>): Record<string, string> {
  return {
    HOME: home,
    GOENV: 'off',
    GOPATH: join(home, 'gopath'),
    GOCACHE: join(home, 'gocache'),
    GOFLAGS: '-modcacherw',
    GOTOOLCHAIN: 'local',
    GOTELEMETRY: 'off',
    GO111MODULE: 'on',
    GOPRIVATE: '',
    GONOPROXY: '',
    GONOSUMDB: '',
    GOINSECURE: '',
    HTTP_PROXY: '',
    HTTPS_PROXY: '',
    http_proxy: '',
    https_proxy: '',
    ...over,
  };
}

export interface Downloaded {
  Path: string;
  Version: string;
  Sum?: string;
  GoModSum?: string;
  Error?: string;
}

/** Splits `go mod download -json` output (concatenated JSON objects). */
export function parseDownloads(out: string): Downloaded[] {
  return out
    .split(/\n(?=\{)/)
    .filter((s) => s.trim())
    .map((s) => JSON.parse(s) as Downloaded);
}

/** A valid checksum database verifier key (Ed25519) for `name`, with no server behind it. */
export function testVerifierKey(name: string): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const key = Buffer.concat([Buffer.from([1]), raw]);
  const hash = createHash('sha256').update(`${name}\n`).update(key).digest().subarray(0, 4);
  return `${name}+${hash.toString('hex')}+${key.toString('base64')}`;
}

/** A GOPROXY tree on loopback holding the given module versions (built with the fixture tool). */
export async function serveGoModules(
  work: string,
  modules: Array<{ path: string; version: string; files: Record<string, string> }>,
): Promise<FakeUpstream> {
  const tool = await buildGofixture(work);
  const tree = join(work, 'goproxy');
  for (const m of modules) await addModule(tool, work, tree, m.path, m.version, m.files);
  return serveDirectory(tree);
}
