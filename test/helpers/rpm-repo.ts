// An RPM repository on loopback, as rpmbuild and createrepo_c make one: tiny noarch packages
// from generated spec files, repodata with any checksum type and compression, zchunk files on
// request. No vitest imports: benchmarks use it too.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticRepo, run } from './static-repo.js';

export interface RpmPackage {
  name: string;
  version: string;
  release?: string;
  /** Text of the one file the package installs. */
  payload?: string;
  /** Adds this many bytes of incompressible filler. */
  filler?: number;
}

export interface RpmPublishOptions {
  /** repomd's and primary's checksum type (default sha256). */
  checksum?: 'sha1' | 'sha256' | 'sha512';
  compress?: 'gz' | 'xz' | 'bz2';
  zck?: boolean;
}

export class RpmRepo extends StaticRepo {
  private constructor(dir: string) {
    super(dir, join(dir, 'repo'));
  }

  static create(): RpmRepo {
    return new RpmRepo(mkdtempSync(join(tmpdir(), 'trove-rpm-')));
  }

  /** Builds a package into `<dir>/Packages/` and returns its path below the served root. */
  build(p: RpmPackage, dir = ''): string {
    const top = join(this.dir, 'rpmbuild');
    const release = p.release ?? '1';
    const filler = p.filler ? join(this.dir, `filler-${p.name}`) : '';
    if (filler) writeFileSync(filler, randomBytes(p.filler ?? 0));
    const spec = join(this.dir, `${p.name}.spec`);
    writeFileSync(
      spec,
      [
        `Name: ${p.name}`,
        `Version: ${p.version}`,
        `Release: ${release}`,
        `Summary: test package ${p.name}`,
        'License: MIT',
        'BuildArch: noarch',
        '%description',
        `test package ${p.name}`,
        '%install',
        `mkdir -p %{buildroot}/usr/share/${p.name}`,
        `printf '%s' '${(p.payload ?? `${p.name} ${p.version}\n`).replace(/'/g, '')}' > %{buildroot}/usr/share/${p.name}/payload`,
        filler ? `cp ${filler} %{buildroot}/usr/share/${p.name}/filler` : '',
        '%files',
        `/usr/share/${p.name}`,
        '',
      ].join('\n'),
    );
    run('rpmbuild', [
      '--define',
      `_topdir ${top}`,
      '--define',
      '_binary_payload w1.gzdio',
      '-bb',
      spec,
    ]);
    const file = `${p.name}-${p.version}-${release}.noarch.rpm`;
    const rel = join(dir, 'Packages', file);
    this.write(rel, readFileSync(join(top, 'RPMS', 'noarch', file)));
    rmSync(join(top, 'RPMS', 'noarch', file));
    return rel;
  }

  /** Writes `<dir>/repodata/` for the packages below `dir`; returns repomd.xml's text. */
  publish(dir = '', o: RpmPublishOptions = {}): string {
    const at = join(this.root, dir);
    mkdirSync(at, { recursive: true });
    const args = [
      '--no-database',
      '-s',
      o.checksum ?? 'sha256',
      '--general-compress-type',
      o.compress ?? 'gz',
    ];
    if (o.zck) args.push('--zck');
    run('createrepo_c', [...args, at]);
    this.touch(join(at, 'repodata'), ['repomd.xml']);
    return this.file(join(dir, 'repodata', 'repomd.xml')).toString('utf8');
  }

  /** The repodata file names of a publication (for mutation tests). */
  repodata(dir = ''): string[] {
    return readdirSync(join(this.root, dir, 'repodata'));
  }
}

/** dnf with its own install root and cache, no system repositories, one repository at `url`. */
export function dnfArgs(dir: string, url: string): string[] {
  mkdirSync(join(dir, 'root'), { recursive: true });
  run('rpm', ['--initdb', '--root', join(dir, 'root')]);
  return [
    '-y',
    `--installroot=${join(dir, 'root')}`,
    '--releasever=1',
    '--setopt=reposdir=/dev/null',
    `--setopt=cachedir=${join(dir, 'cache')}`,
    '--setopt=keepcache=1',
    '--setopt=install_weak_deps=0',
    '--disableplugin=*',
    `--repofrompath=trove,${url}`,
    '--repo=trove',
    '--nogpgcheck',
  ];
}
