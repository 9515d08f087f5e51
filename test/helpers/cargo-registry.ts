// A Cargo sparse registry on loopback: config.json, index files with ETags (and 304s), and
// .crate files at whatever `dl` style a test picks, some on a second host. Crates are made
// offline: a gzipped tar of Cargo.toml and src/lib.rs, which cargo unpacks and builds. No
// vitest imports: benchmarks use it too.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FakeUpstream } from './fake-server.js';
import { runCommand, type Ran } from './run.js';

export interface Crate {
  name: string;
  vers: string;
  deps: Record<string, string>;
  data: Buffer;
  cksum: string;
  yanked?: boolean;
}

/** `bare`: a plain base; `path`: {crate}/{version}; `prefix`: {lowerprefix} on a second host; `hash`: {sha256-checksum}. */
export type DlStyle = 'bare' | 'path' | 'prefix' | 'hash';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export function crate(name: string, vers: string, deps: Record<string, string> = {}): Crate {
  const root = mkdtempSync(join(tmpdir(), 'trove-crate-'));
  try {
    const top = `${name}-${vers}`;
    mkdirSync(join(root, top, 'src'), { recursive: true });
    const depLines = Object.entries(deps).map(([d, req]) => `${d} = "${req}"`);
    writeFileSync(
      join(root, top, 'Cargo.toml'),
      `[package]\nname = "${name}"\nversion = "${vers}"\nedition = "2021"\n\n[dependencies]\n${depLines.join('\n')}\n`,
    );
    writeFileSync(
      join(root, top, 'src', 'lib.rs'),
      `pub fn name() -> &'static str {\n    "${name} ${vers}"\n}\n`,
    );
    const tar = execFileSync(
      'tar',
      ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-cf', '-', top],
      { cwd: root },
    );
    const data = gzipSync(tar);
    return { name, vers, deps, data, cksum: sha(data) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function prefix(name: string): string {
  const n = name.toLowerCase();
  if (n.length <= 2) return String(n.length);
  if (n.length === 3) return `3/${n[0] as string}`;
  return `${n.slice(0, 2)}/${n.slice(2, 4)}`;
}

export function indexLine(c: Crate): string {
  return JSON.stringify({
    name: c.name,
    vers: c.vers,
    deps: Object.entries(c.deps).map(([name, req]) => ({
      name,
      req,
      features: [],
      optional: false,
      default_features: true,
      target: null,
      kind: 'normal',
    })),
    cksum: c.cksum,
    features: {},
    yanked: c.yanked ?? false,
    links: null,
    pubtime: '2024-01-02T03:04:05Z',
  });
}

export class CargoRegistry {
  readonly index = new FakeUpstream();
  readonly files = new FakeUpstream();
  readonly crates: Crate[];
  /** Bytes served instead of a crate's own (a tampered upload). */
  readonly swapped = new Map<string, Buffer>();
  style: DlStyle;
  /** When set, the index host answers 401 to a request without one of these tokens. */
  tokens: Set<string> | null = null;
  /** Extra config.json fields. */
  extraConfig: Record<string, unknown> = {
    api: 'https://registry.example/',
    'auth-required': false,
  };

  constructor(crates: Crate[], style: DlStyle) {
    this.crates = crates;
    this.style = style;
  }

  static async start(crates: Crate[], style: DlStyle = 'bare'): Promise<CargoRegistry> {
    const r = new CargoRegistry(crates, style);
    await r.index.start();
    await r.files.start();
    r.#route();
    return r;
  }

  /** The index root, as `sparse+<url>` names it. */
  get url(): string {
    return `${this.index.url}/`;
  }

  get dl(): string {
    switch (this.style) {
      case 'bare':
        return `${this.index.url}/crates`;
      case 'path':
        return `${this.index.url}/dl/{crate}/{version}`;
      case 'prefix':
        return `${this.files.url}/{lowerprefix}/{crate}-{version}.crate`;
      case 'hash':
        return `${this.index.url}/by-hash/{sha256-checksum}`;
    }
  }

  crateUrl(c: Crate): string {
    switch (this.style) {
      case 'bare':
        return `${this.index.url}/crates/${c.name}/${c.vers}/download`;
      case 'path':
        return `${this.index.url}/dl/${c.name}/${c.vers}`;
      case 'prefix':
        return `${this.files.url}/${prefix(c.name)}/${c.name}-${c.vers}.crate`;
      case 'hash':
        return `${this.index.url}/by-hash/${c.cksum}`;
    }
  }

  indexPath(name: string): string {
    return `/${prefix(name)}/${name.toLowerCase()}`;
  }

  async stop(): Promise<void> {
    await this.index.stop();
    await this.files.stop();
  }

  #route(): void {
    const routes = this.index.server.listeners('request');
    this.index.server.removeAllListeners('request');
    this.index.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.tokens && !this.tokens.has(req.headers.authorization ?? '')) {
        this.index.requests.push(req);
        res.writeHead(401, { 'www-authenticate': 'Cargo' }).end('bad token\n');
        return;
      }
      for (const l of routes) (l as (q: IncomingMessage, s: ServerResponse) => void)(req, res);
    });
    this.index.route('/config.json', (_q, res) => {
      const body = JSON.stringify({ dl: this.dl, ...this.extraConfig });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    const names = [...new Set(this.crates.map((c) => c.name))];
    for (const name of names) {
      this.index.route(this.indexPath(name), (req, res) => this.#indexFile(req, res, name));
    }
    for (const c of this.crates) {
      const u = new URL(this.crateUrl(c));
      const server = u.origin === this.files.url ? this.files : this.index;
      server.route(u.pathname, (_q, res) => {
        const b = this.swapped.get(`${c.name}-${c.vers}`) ?? c.data;
        res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': b.length });
        res.end(b);
      });
    }
  }

  #indexFile(req: IncomingMessage, res: ServerResponse, name: string): void {
    const body = `${this.crates
      .filter((c) => c.name === name)
      .map(indexLine)
      .join('\n')}\n`;
    const etag = `"${sha(Buffer.from(body)).slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', etag }).end(body);
  }
}

/** cargo with only its own settings: a CARGO_HOME of the test's, and targets beside the project. */
export function runCargo(
  args: string[],
  cwd: string,
  home: string,
  env: Record<string, string> = {},
): Promise<Ran> {
  return runCommand('cargo', args, {
    cwd,
    exactEnv: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: homedir(),
      RUSTUP_HOME: process.env['RUSTUP_HOME'] ?? join(homedir(), '.rustup'),
      CARGO_HOME: home,
      CARGO_TARGET_DIR: join(cwd, 'target'),
      CARGO_TERM_COLOR: 'never',
      ...env,
    },
    timeoutMs: 240_000,
  });
}

/** A CARGO_HOME in `dir` whose crates-io is replaced by the sparse registry at `registry`. */
export function mirrorCargoHome(dir: string, registry: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.toml'),
    `[source.crates-io]\nreplace-with = "mirror"\n\n[source.mirror]\nregistry = "sparse+${registry}"\n\n[net]\nretry = 1\n`,
  );
  return dir;
}
