// cargo 1.95 through Trove against a sparse registry on loopback, by source replacement of
// crates-io: a build resolving a small tree, the same Cargo.lock as without Trove, 304s for
// index files cargo already has, a tampered crate refused, and a build with the registry
// stopped after a warm run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CargoRegistry,
  crate,
  mirrorCargoHome,
  runCargo,
  type Crate,
} from '../helpers/cargo-registry.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

function cargoReady(): boolean {
  const r = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
  const m = /^cargo 1\.(\d+)/.exec(r.stdout ?? '');
  if (r.status === 0 && m && Number(m[1]) >= 68) return true;
  const msg =
    'cargo 1.68+ (sparse registries) is missing (rustup installs it; bash .ci/run checks)';
  if (process.env['CI'] === 'true') throw new Error(msg);
  console.warn(`\n!!! SKIPPING: ${msg}\n`);
  return false;
}

describe.skipIf(!cargoReady())('cargo through Trove', () => {
  let reg: CargoRegistry;
  let trove: TestTrove;
  let work: string;
  let crates: Crate[];
  let runs = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-cargo-'));
    crates = [
      crate('alpha', '1.0.0', { beta: '^1', gamma: '0.2' }),
      crate('beta', '1.0.0'),
      crate('beta', '1.2.0', { gamma: '0.2' }),
      crate('gamma', '0.2.0'),
      crate('gamma', '0.2.1'),
      crate('gamma', '0.3.0'),
      crate('tampered', '1.0.0'),
    ];
    reg = await CargoRegistry.start(crates, 'prefix');
    trove = await startTrove({ instances: { cargo: { type: 'cargo', upstreams: [reg.url] } } });
  });
  afterAll(async () => {
    await trove?.stop();
    await reg?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** A CARGO_HOME whose crates-io is replaced by `registry`. */
  const cargoHome = (registry: string): string =>
    mirrorCargoHome(join(work, `cargo-home-${runs++}`), registry);

  /** A project depending on `deps`, in its own directory. */
  const project = (deps: Record<string, string>): string => {
    const dir = join(work, `app-${runs++}`);
    mkdirSync(join(dir, 'src'), { recursive: true });
    const lines = Object.entries(deps).map(([d, v]) => `${d} = "${v}"`);
    writeFileSync(
      join(dir, 'Cargo.toml'),
      `[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n${lines.join('\n')}\n`,
    );
    writeFileSync(
      join(dir, 'src', 'main.rs'),
      'fn main() {\n    println!("{}", alpha::name());\n}\n',
    );
    return dir;
  };

  const cargo = runCargo;

  it('builds a project through Trove, resolving the same lockfile as without it', async () => {
    const viaTrove = project({ alpha: '1' });
    const r = await cargo(['build'], viaTrove, cargoHome(`${trove.url}/cargo/`));
    expect(r.code, r.err).toBe(0);
    const lock = readFileSync(join(viaTrove, 'Cargo.lock'), 'utf8');
    expect(lock).toContain('name = "beta"\nversion = "1.2.0"');
    expect(lock).toContain('name = "gamma"\nversion = "0.2.1"');
    // Every crate came through Trove from the registry's file host, once.
    for (const c of crates.filter((x) =>
      lock.includes(`name = "${x.name}"\nversion = "${x.vers}"`),
    )) {
      expect(reg.files.count(new URL(reg.crateUrl(c)).pathname), c.name).toBe(1);
    }
    const direct = project({ alpha: '1' });
    const d = await cargo(['generate-lockfile'], direct, cargoHome(reg.url));
    expect(d.code, d.err).toBe(0);
    expect(readFileSync(join(direct, 'Cargo.lock'), 'utf8')).toBe(lock);
  });

  it('revalidates index files it has with conditional requests that Trove answers 304', async () => {
    const dir = project({ alpha: '1' });
    const home = cargoHome(`${trove.url}/cargo/`);
    expect((await cargo(['generate-lockfile'], dir, home)).code).toBe(0);
    const again = await cargo(['update'], dir, home, {
      CARGO_HTTP_DEBUG: 'true',
      CARGO_LOG: 'network=debug',
    });
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/if-none-match/i);
    expect(again.err).toMatch(/\b304\b/);
  });

  it('refuses a crate changed behind its index line', async () => {
    const t = crates.find((c) => c.name === 'tampered') as Crate;
    const bad = Buffer.from(t.data);
    bad.writeUInt8(bad.readUInt8(30) ^ 1, 30);
    reg.swapped.set('tampered-1.0.0', bad);
    const dir = project({ tampered: '1' });
    const r = await cargo(['fetch'], dir, cargoHome(`${trove.url}/cargo/`));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/502/);
    reg.swapped.clear();
    const ok = await cargo(['fetch'], dir, cargoHome(`${trove.url}/cargo/`));
    expect(ok.code, ok.err).toBe(0);
  });

  it('builds again with the registry stopped, from Trove alone', async () => {
    await reg.stop();
    const dir = project({ alpha: '1' });
    const r = await cargo(['build'], dir, cargoHome(`${trove.url}/cargo/`));
    expect(r.code, r.err).toBe(0);
  });
});
