// Cargo workloads: a sparse registry on loopback is Trove's upstream, and nginx serves a static
// copy of the same registry (index files, config.json and crates).
//   W5-cargo: `cargo fetch` of a 50-crate lockfile into an empty CARGO_HOME, cold and warm
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { crate, indexLine, type Crate } from '../../test/helpers/cargo-registry.js';
import { timed } from './proc.js';

export { CargoRegistry } from '../../test/helpers/cargo-registry.js';

export const CRATES = 50;
const cdep = (i: number): string => `cdep-${String(i).padStart(2, '0')}`;

/** A binary tree of crates: cdep-00 needs cdep-01 and cdep-02, and so on. */
export function crateTree(): Crate[] {
  return Array.from({ length: CRATES }, (_, i) => {
    const deps: Record<string, string> = {};
    for (const c of [2 * i + 1, 2 * i + 2]) if (c < CRATES) deps[cdep(c)] = '1';
    return crate(cdep(i), '1.0.0', deps);
  });
}

/** The tree's registry as static files under `root` (names of 4+ letters), `dl` at `url`. */
export function staticRegistry(root: string, url: string, crates: Crate[]): void {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'crates'), { recursive: true });
  writeFileSync(
    join(root, 'config.json'),
    JSON.stringify({ dl: `${url}/crates/{crate}-{version}.crate` }),
  );
  for (const c of crates) {
    const dir = join(root, c.name.slice(0, 2), c.name.slice(2, 4));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, c.name), `${indexLine(c)}\n`);
    writeFileSync(join(root, 'crates', `${c.name}-${c.vers}.crate`), c.data);
  }
}

/** Seconds for `cargo fetch` into an empty CARGO_HOME, with `lock` copied in when given. */
export async function cargoFetch(
  work: string,
  registry: string,
  run: number,
  lock?: string,
): Promise<number> {
  const dir = join(work, `cargo-${run}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'home'), { recursive: true });
  writeFileSync(
    join(dir, 'Cargo.toml'),
    `[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n${cdep(0)} = "1"\n`,
  );
  writeFileSync(join(dir, 'src', 'main.rs'), 'fn main() {}\n');
  writeFileSync(
    join(dir, 'home', 'config.toml'),
    `[source.crates-io]\nreplace-with = "mirror"\n[source.mirror]\nregistry = "sparse+${registry}"\n`,
  );
  if (lock && existsSync(lock)) copyFileSync(lock, join(dir, 'Cargo.lock'));
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: homedir(),
    RUSTUP_HOME: process.env['RUSTUP_HOME'] ?? join(homedir(), '.rustup'),
    CARGO_HOME: join(dir, 'home'),
  };
  const args = lock ? ['fetch', '--locked'] : ['fetch'];
  const secs = await timed('cargo', args, { cwd: dir, env, what: 'cargo fetch' });
  if (!lock) copyFileSync(join(dir, 'Cargo.lock'), join(work, 'cargo.lock'));
  rmSync(dir, { recursive: true, force: true });
  return secs;
}
