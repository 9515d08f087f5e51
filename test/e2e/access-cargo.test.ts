// cargo against a Trove that requires credentials: `auth-required` in config.json, a token from
// `cargo login`, the 401 an anonymous client or a wrong token gets, and a read-only token that
// fetches what is cached and nothing else.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenHash } from '../../src/access/static-tokens.js';
import * as users from '../helpers/access-users.js';
import { CargoRegistry, crate, runCargo } from '../helpers/cargo-registry.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const enabled = spawnSync('cargo', ['--version']).status === 0;
const ALICE_TOKEN = 'trove_alice_cargo_0123456789abcdef';
const BOB_TOKEN = 'trove_bob_cargo_0123456789abcdef';

describe.skipIf(!enabled)('cargo with client authentication', () => {
  let reg: CargoRegistry;
  let trove: TestTrove;
  let work: string;
  let runs = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-cargo-access-'));
    reg = await CargoRegistry.start(
      [crate('puba', '1.0.0'), crate('pubb', '1.0.0'), crate('secret', '1.0.0')],
      'prefix',
    );
    trove = await startTrove({
      access: users.accessSection(users.writeHtpasswd(work), {
        tokens: [
          { name: 'alice', sha256: tokenHash(ALICE_TOKEN) },
          { name: users.BOB.user, sha256: tokenHash(BOB_TOKEN) },
        ],
      }),
      instances: {
        cargo: { type: 'cargo', upstreams: [reg.url], access: users.instanceAccess(['secret']) },
      },
    });
  });
  afterAll(async () => {
    await trove?.stop();
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A CARGO_HOME whose crates-io is replaced by Trove as a named registry. */
  const cargoHome = (): string => {
    const home = join(work, `home-${runs++}`);
    mkdirSync(home, { recursive: true });
    writeFileSync(
      join(home, 'config.toml'),
      [
        '[source.crates-io]',
        'replace-with = "trove"',
        '[registries.trove]',
        `index = "sparse+${trove.url}/cargo/"`,
        // Tokens from `cargo login` (credentials.toml): authenticated registries need a provider.
        '[registry]',
        'global-credential-providers = ["cargo:token"]',
        '[net]',
        'retry = 0',
        '',
      ].join('\n'),
    );
    return home;
  };
  const project = (dep: string): string => {
    const dir = join(work, `app-${runs++}`);
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(
      join(dir, 'Cargo.toml'),
      `[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n${dep} = "1"\n`,
    );
    writeFileSync(join(dir, 'src', 'main.rs'), 'fn main() {}\n');
    return dir;
  };
  const cargo = runCargo;
  const loggedIn = async (token: string): Promise<string> => {
    const home = cargoHome();
    const r = await cargo(['login', '--registry', 'trove', token], work, home);
    expect(r.code, r.err).toBe(0);
    return home;
  };

  it('tells cargo that it requires a token, and refuses one without it or with a wrong one', async () => {
    const cfg = await fetch(`${trove.url}/cargo/config.json`);
    expect(cfg.status).toBe(401);
    const anon = await cargo(['fetch'], project('puba'), cargoHome());
    expect(anon.code).not.toBe(0);
    expect(anon.err).toMatch(/no token found|authenticat|401/i);
    const wrong = await cargo(['fetch'], project('puba'), await loggedIn('trove_wrong_token'));
    expect(wrong.code).not.toBe(0);
    expect(wrong.err).toMatch(/401/);
  });

  it('fetches with the token from cargo login', async () => {
    const home = await loggedIn(ALICE_TOKEN);
    const cfg = await fetch(`${trove.url}/cargo/config.json`, {
      headers: { authorization: ALICE_TOKEN },
    });
    expect(await cfg.json()).toMatchObject({ 'auth-required': true });
    for (const dep of ['puba', 'secret']) {
      const r = await cargo(['fetch'], project(dep), home);
      expect(r.code, r.err).toBe(0);
    }
  });

  it('lets a read-only token fetch what is cached, and nothing that needs a fetch', async () => {
    const home = await loggedIn(BOB_TOKEN);
    const ok = await cargo(['fetch'], project('puba'), home);
    expect(ok.code, ok.err).toBe(0);
    const before = reg.files.requests.length + reg.index.requests.length;
    const miss = await cargo(['fetch'], project('pubb'), home);
    expect(miss.code).not.toBe(0);
    expect(miss.err).toMatch(/403/);
    const denied = await cargo(['fetch'], project('secret'), home);
    expect(denied.code).not.toBe(0);
    expect(denied.err).toMatch(/403/);
    expect(reg.files.requests.length + reg.index.requests.length).toBe(before);
  });
});
