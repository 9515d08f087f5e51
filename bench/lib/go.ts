// W5: `go mod download` of a generated module graph, through Trove (cold, then warm) and
// straight from nginx serving the same GOPROXY tree statically.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { median } from './clients.js';

export const GO = '/usr/lib/go-1.23/bin/go';
// Compiled to bench/.work/js/bench/lib/: five levels up is the repository root.
const ROOT = resolve(import.meta.dirname, '..', '..', '..', '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'go', 'gofixture');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...env },
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', rej);
    child.on('close', (code) =>
      code === 0 ? res(out) : rej(new Error(`${cmd} ${args.join(' ')}: ${err}`)),
    );
  });
}

/**
 * Writes `count` modules (bench.trove.test/mNNN v1.0.0, each requiring the next few) as a static
 * GOPROXY tree under `tree`, and an app module requiring all of them under `app`.
 */
export async function makeGraph(
  work: string,
  tree: string,
  app: string,
  count: number,
): Promise<void> {
  const tool = join(work, 'gofixture');
  await run(
    GO,
    ['build', '-o', tool, '.'],
    { GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOFLAGS: '' },
    FIXTURE,
  );
  rmSync(tree, { recursive: true, force: true });
  const name = (i: number): string => `bench.trove.test/m${String(i).padStart(3, '0')}`;
  const filler = 'x'.repeat(2048);
  for (let i = 0; i < count; i++) {
    const path = name(i);
    const deps = [1, 2, 3].map((d) => i + d).filter((j) => j < count);
    const gomod = `module ${path}\n\ngo 1.21\n${deps.length ? `\nrequire (\n${deps.map((j) => `\t${name(j)} v1.0.0\n`).join('')})\n` : ''}`;
    const src = join(work, 'src', path);
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'go.mod'), gomod);
    for (let f = 0; f < 8; f++)
      writeFileSync(join(src, `f${f}.go`), `package m\n\n// ${filler}\nconst C${f} = ${i}\n`);
    const at = join(tree, path, '@v');
    mkdirSync(at, { recursive: true });
    await run(tool, ['zip', src, path, 'v1.0.0', join(at, 'v1.0.0.zip')], {});
    writeFileSync(join(at, 'v1.0.0.mod'), gomod);
    writeFileSync(
      join(at, 'v1.0.0.info'),
      JSON.stringify({ Version: 'v1.0.0', Time: '2024-01-01T00:00:00Z' }),
    );
    appendFileSync(join(at, 'list'), 'v1.0.0\n');
  }
  mkdirSync(app, { recursive: true });
  const all = Array.from({ length: count }, (_, i) => `\t${name(i)} v1.0.0\n`).join('');
  writeFileSync(
    join(app, 'go.mod'),
    `module bench.trove.test/app\n\ngo 1.21\n\nrequire (\n${all})\n`,
  );
}

/** Seconds for `go mod download` of the app's whole graph into an empty module cache. */
export async function download(
  work: string,
  app: string,
  goproxy: string,
  run_: number,
): Promise<number> {
  const home = join(work, `go-home-${run_}`);
  rmSync(home, { recursive: true, force: true });
  const env = {
    HOME: home,
    GOENV: 'off',
    GOPATH: join(home, 'gopath'),
    GOMODCACHE: join(home, 'modcache'),
    GOCACHE: join(work, 'gocache'),
    GOFLAGS: '-modcacherw',
    GOPROXY: goproxy,
    GOSUMDB: 'off',
    GOTOOLCHAIN: 'local',
    GOTELEMETRY: 'off',
    GOPRIVATE: '',
  };
  const started = performance.now();
  await run(GO, ['mod', 'download'], env, app);
  const secs = (performance.now() - started) / 1000;
  rmSync(home, { recursive: true, force: true });
  return secs;
}

export async function medianOf(n: number, f: (i: number) => Promise<number>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(await f(i));
  return median(xs);
}
