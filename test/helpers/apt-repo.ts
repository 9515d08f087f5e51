// A Debian archive on loopback, as apt-ftparchive and gpg make one: tiny packages built with
// dpkg-deb, Packages (plain, gzip, xz), Release with by-hash and Valid-Until, signed into
// InRelease and Release.gpg with a throwaway key. No vitest imports: benchmarks use it too.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { StaticRepo, run } from './static-repo.js';

export interface DebPackage {
  name: string;
  version: string;
  /** Bytes of the one file the package installs (makes distinct contents easy). */
  payload?: string;
  /** Adds this many bytes of incompressible filler (for large-package tests). */
  filler?: number;
}

export interface PublishOptions {
  byHash?: boolean;
  /** Seconds until Valid-Until; none when absent. */
  validFor?: number;
  /** Write InRelease and Release.gpg (default true). */
  signed?: boolean;
}

const TOP = ['InRelease', 'Release', 'Release.gpg'];

/** `root` is the archive root served upstream (the URL in sources.list). */
export class AptRepo extends StaticRepo {
  readonly gnupg: string;
  /** A binary keyring with the signing key, for `signed-by=`. */
  readonly keyring: string;

  private constructor(dir: string) {
    super(dir, join(dir, 'archive'));
    this.gnupg = join(dir, 'gnupg');
    this.keyring = join(dir, 'trove-test.gpg');
  }

  static async create(): Promise<AptRepo> {
    const repo = new AptRepo(mkdtempSync(join(tmpdir(), 'trove-apt-')));
    mkdirSync(repo.gnupg, { recursive: true, mode: 0o700 });
    const g = { GNUPGHOME: repo.gnupg };
    run(
      'gpg',
      [
        '--batch',
        '--passphrase',
        '',
        '--quick-gen-key',
        'Trove Test <test@trove.invalid>',
        'ed25519',
        'sign',
        'never',
      ],
      g,
    );
    writeFileSync(
      repo.keyring,
      execFileSync('gpg', ['--export'], { env: { ...process.env, ...g } }),
    );
    return repo;
  }

  /** Builds a package into `pool/main/` and returns its path below the archive root. */
  build(p: DebPackage, component = 'main'): string {
    const stage = join(this.dir, 'stage', `${p.name}_${p.version}`);
    rmSync(stage, { recursive: true, force: true });
    mkdirSync(join(stage, 'DEBIAN'), { recursive: true });
    writeFileSync(
      join(stage, 'DEBIAN', 'control'),
      `Package: ${p.name}\nVersion: ${p.version}\nArchitecture: all\nMaintainer: Trove Test <test@trove.invalid>\nDescription: test package ${p.name}\n`,
    );
    const doc = join(stage, 'usr', 'share', 'doc', p.name);
    mkdirSync(doc, { recursive: true });
    writeFileSync(join(doc, 'payload'), p.payload ?? `${p.name} ${p.version}\n`);
    if (p.filler) writeFileSync(join(doc, 'filler'), randomBytes(p.filler));
    const rel = `pool/${component}/${p.name[0]}/${p.name}/${p.name}_${p.version}_all.deb`;
    mkdirSync(dirname(join(this.root, rel)), { recursive: true });
    run('dpkg-deb', ['--build', '-Zgzip', '-z1', stage, join(this.root, rel)]);
    return rel;
  }

  /**
   * Writes `dists/<suite>/` for what `pool/` holds: Packages in three compressions, Release,
   * and (signed) InRelease and Release.gpg. Returns the InRelease (or Release) text.
   */
  publish(suite = 'stable', o: PublishOptions = {}): string {
    const dists = join(this.root, 'dists', suite);
    rmSync(dists, { recursive: true, force: true });
    const bin = join(dists, 'main', 'binary-amd64');
    mkdirSync(bin, { recursive: true });
    const packages = run('apt-ftparchive', ['packages', 'pool'], {}, this.root);
    writeFileSync(join(bin, 'Packages'), packages);
    run('gzip', ['-k', '-n', '-9', join(bin, 'Packages')]);
    run('xz', ['-k', join(bin, 'Packages')]);
    const opts = [
      '-o',
      `APT::FTPArchive::Release::Suite=${suite}`,
      '-o',
      `APT::FTPArchive::Release::Codename=${suite}`,
      '-o',
      'APT::FTPArchive::Release::Architectures=amd64',
      '-o',
      'APT::FTPArchive::Release::Components=main',
    ];
    if (o.byHash) opts.push('-o', 'APT::FTPArchive::DoByHash=true');
    if (o.validFor) opts.push('-o', `APT::FTPArchive::Release::ValidTime=${o.validFor}`);
    const release = execFileSync('apt-ftparchive', [...opts, 'release', join('dists', suite)], {
      cwd: this.root,
      encoding: 'utf8',
    });
    writeFileSync(join(dists, 'Release'), release);
    if (o.signed === false) {
      this.touch(dists, TOP);
      return release;
    }
    this.#sign(dists, true);
    return readFileSync(join(dists, 'InRelease'), 'utf8');
  }

  /** InRelease (and Release.gpg) for the Release in `dir`, dated after the last publication. */
  #sign(dir: string, detached: boolean): void {
    const g = { GNUPGHOME: this.gnupg };
    const release = join(dir, 'Release');
    run('gpg', ['--batch', '--yes', '--clearsign', '-o', join(dir, 'InRelease'), release], g);
    if (detached) {
      run('gpg', ['--batch', '--yes', '-abs', '-o', join(dir, 'Release.gpg'), release], g);
    }
    this.touch(dir, TOP);
  }

  /**
   * A flat repository in `dir` (`deb URL/dir ./`): the given packages copied beside Packages
   * and a signed Release, listed as `./name.deb`. Returns the packages' paths below the root.
   */
  publishFlat(dir: string, packages: readonly string[]): string[] {
    const at = join(this.root, dir);
    mkdirSync(at, { recursive: true });
    const out = packages.map((rel) => {
      const name = rel.slice(rel.lastIndexOf('/') + 1);
      writeFileSync(join(at, name), this.file(rel));
      return `${dir}/${name}`;
    });
    writeFileSync(join(at, 'Packages'), run('apt-ftparchive', ['packages', '.'], {}, at));
    run('gzip', ['-k', '-n', '-9', join(at, 'Packages')]);
    const release = run('apt-ftparchive', ['release', '.'], {}, at);
    writeFileSync(join(at, 'Release'), release);
    this.#sign(at, false);
    return out;
  }
}

/** apt-get with its own state below `dir`, reading one sources file, as root without a sandbox. */
export function aptArgs(dir: string): string[] {
  for (const d of ['lists/partial', 'cache/archives/partial', 'etc'])
    mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'status'), '');
  return [
    '-o',
    `Dir::Etc::SourceList=${join(dir, 'etc', 'sources.list')}`,
    '-o',
    'Dir::Etc::SourceParts=/dev/null',
    '-o',
    `Dir::State::Lists=${join(dir, 'lists')}`,
    '-o',
    `Dir::Cache=${join(dir, 'cache')}`,
    '-o',
    `Dir::State::status=${join(dir, 'status')}`,
    '-o',
    'Dir::Etc::Preferences=/dev/null',
    '-o',
    'Dir::Etc::PreferencesParts=/dev/null',
    '-o',
    'APT::Architecture=amd64',
    '-o',
    'APT::Architectures=amd64',
    '-o',
    'APT::Sandbox::User=root',
    '-o',
    'Debug::NoLocking=1',
    '-o',
    'Acquire::Languages=none',
    '-o',
    'Acquire::Retries=0',
  ];
}
