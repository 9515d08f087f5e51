// A pacman mirror on loopback, as repo-add makes one: packages built by hand with bsdtar and
// zstd (makepkg refuses to run as root), in the `$repo/os/$arch` layout, with `.db` and
// `.files` databases. No vitest imports.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticRepo, run } from './static-repo.js';

export interface PacmanPackage {
  name: string;
  version: string;
  payload?: string;
  /** Adds this many bytes of incompressible filler. */
  filler?: number;
  /** Writes a detached signature beside it (random bytes: pacman runs with SigLevel Never). */
  sig?: boolean;
}

const DB_NAMES = /\.(db|files)(\.tar\.gz)?(\.old)?$/;

export class PacmanRepo extends StaticRepo {
  private constructor(dir: string) {
    super(dir, join(dir, 'mirror'));
  }

  static create(): PacmanRepo {
    return new PacmanRepo(mkdtempSync(join(tmpdir(), 'trove-pacman-')));
  }

  /** The directory of a repository, below the served root. */
  static dir(repo: string, arch = 'x86_64'): string {
    return `${repo}/os/${arch}`;
  }

  /** Builds `<name>-<version>-1-any.pkg.tar.zst` into the repository; returns its path. */
  build(p: PacmanPackage, repo = 'core'): string {
    const stage = join(this.dir, 'stage', p.name);
    rmSync(stage, { recursive: true, force: true });
    const share = join(stage, 'usr', 'share', p.name);
    mkdirSync(share, { recursive: true });
    writeFileSync(join(share, 'payload'), p.payload ?? `${p.name} ${p.version}\n`);
    if (p.filler) writeFileSync(join(share, 'filler'), randomBytes(p.filler));
    writeFileSync(
      join(stage, '.PKGINFO'),
      [
        `pkgname = ${p.name}`,
        `pkgbase = ${p.name}`,
        `pkgver = ${p.version}-1`,
        `pkgdesc = test package ${p.name}`,
        'url = https://trove.invalid',
        `builddate = ${Math.floor(Date.now() / 1000)}`,
        'packager = Trove Test <test@trove.invalid>',
        `size = ${p.payload?.length ?? 0}`,
        'arch = any',
        'license = MIT',
        '',
      ].join('\n'),
    );
    const rel = `${PacmanRepo.dir(repo)}/${p.name}-${p.version}-1-any.pkg.tar.zst`;
    const out = join(this.root, rel);
    mkdirSync(join(this.root, PacmanRepo.dir(repo)), { recursive: true });
    run(
      'sh',
      ['-c', `bsdtar -cf - --uid 0 --gid 0 .PKGINFO usr | zstd -q -c > '${out}'`],
      {},
      stage,
    );
    if (p.sig) writeFileSync(`${out}.sig`, randomBytes(119));
    else rmSync(`${out}.sig`, { force: true });
    return rel;
  }

  /** Writes `<repo>.db` and `<repo>.files` for every package in the repository's directory. */
  publish(repo = 'core'): void {
    const at = join(this.root, PacmanRepo.dir(repo));
    for (const f of readdirSync(at)) if (DB_NAMES.test(f)) rmSync(join(at, f));
    const pkgs = readdirSync(at).filter((f) => f.endsWith('.pkg.tar.zst'));
    run('repo-add', ['-q', `${repo}.db.tar.gz`, ...pkgs], {}, at);
    this.touch(at, [`${repo}.db.tar.gz`, `${repo}.files.tar.gz`]);
  }
}

/** pacman with its own root, databases, cache and config, one `Server` line for `repos`. */
export function pacmanArgs(
  dir: string,
  server: string,
  repos: readonly string[] = ['core'],
): string[] {
  for (const d of ['root', 'db', 'cache', 'gpg']) mkdirSync(join(dir, d), { recursive: true });
  const conf = join(dir, 'pacman.conf');
  writeFileSync(
    conf,
    [
      '[options]',
      'Architecture = x86_64',
      'SigLevel = Never',
      'DisableDownloadTimeout',
      ...repos.flatMap((r) => [`[${r}]`, `Server = ${server}/$repo/os/$arch`]),
      '',
    ].join('\n'),
  );
  return [
    '--noconfirm',
    '--root',
    join(dir, 'root'),
    '--dbpath',
    join(dir, 'db'),
    '--cachedir',
    join(dir, 'cache'),
    '--gpgdir',
    join(dir, 'gpg'),
    '--logfile',
    join(dir, 'pacman.log'),
    '--config',
    conf,
  ];
}
