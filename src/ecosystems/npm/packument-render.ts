// What clients get from a cached packument, made once per upstream version of it (never per
// hit), with bounded memory whatever its size:
// - full: the upstream's bytes exactly, except each `versions.*.dist.tarball`, which points at
//   Trove; `time`, `integrity` and `signatures` are untouched;
// - abbreviated ("corgi", application/vnd.npm.install-v1+json): `name`, `dist-tags`,
//   `versions` cut to the install fields, and `modified` from `time.modified`, as the registry
//   makes it (npm/registry docs/responses/package-metadata.md).
import type { Transform } from '../../derive/derived-origin.js';
import { JsonScanner } from '../../derive/json-scan.js';
import { jsonRewrite } from '../../derive/json-rewrite.js';

/** Maps an upstream tarball URL to the one clients get; null leaves it as it is. */
export type TarballRewrite = (url: string) => string | null;

/** The fields of a version in an abbreviated packument. */
const CORGI_FIELDS = new Set([
  'name',
  'version',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'bundledDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'acceptDependencies',
  'bin',
  'directories',
  'dist',
  'engines',
  '_hasShrinkwrap',
  'hasInstallScript',
  'deprecated',
  'os',
  'cpu',
  'libc',
  'funding',
]);
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

function isDistTarball(p: readonly string[]): boolean {
  return p.length === 4 && p[0] === 'versions' && p[2] === 'dist' && p[3] === 'tarball';
}

export function fullPackument(emit: (b: Buffer) => void, rewrite: TarballRewrite): Transform {
  return jsonRewrite(
    emit,
    {
      descend: (p) => p[0] === 'versions' && (p.length <= 2 || (p.length === 3 && p[2] === 'dist')),
      capture: isDistTarball,
    },
    (m) => {
      if (!isDistTarball(m.path)) return null;
      const url: unknown = JSON.parse(m.raw.toString('utf8'));
      const to = typeof url === 'string' ? rewrite(url) : null;
      return to === null ? null : Buffer.from(JSON.stringify(to));
    },
  );
}

function abbreviate(raw: Buffer, rewrite: TarballRewrite): string {
  const v = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(v)) if (CORGI_FIELDS.has(k)) out[k] = value;
  const scripts = v['scripts'];
  if (out['hasInstallScript'] === undefined && scripts && typeof scripts === 'object') {
    if (INSTALL_SCRIPTS.some((s) => s in scripts)) out['hasInstallScript'] = true;
  }
  const dist = out['dist'];
  if (
    dist &&
    typeof dist === 'object' &&
    typeof (dist as { tarball?: unknown }).tarball === 'string'
  ) {
    const d = dist as { tarball: string };
    const to = rewrite(d.tarball);
    if (to !== null) out['dist'] = { ...d, tarball: to };
  }
  return JSON.stringify(out);
}

export function corgiPackument(emit: (b: Buffer) => void, rewrite: TarballRewrite): Transform {
  const text = (s: string): void => emit(Buffer.from(s));
  let members = 0;
  let versions = -1; // versions written so far; -1 while `versions` is not open
  let modified: unknown;
  const open = (key: string): void => text(`${members++ === 0 ? '' : ','}${JSON.stringify(key)}:`);
  text('{');
  const scanner = new JsonScanner({
    descend: (p) => p.length === 1 && (p[0] === 'versions' || p[0] === 'time'),
    capture: (p) =>
      p.length === 1
        ? p[0] === 'name' || p[0] === 'dist-tags'
        : p[0] === 'versions' || p[1] === 'modified',
    onMember(m) {
      const [top, sub] = m.path;
      if (m.path.length === 2 && top === 'versions' && m.raw) {
        if (versions < 0) {
          open('versions');
          text('{');
          versions = 0;
        }
        text(`${versions++ === 0 ? '' : ','}${JSON.stringify(sub)}:${abbreviate(m.raw, rewrite)}`);
      } else if (m.path.length === 2 && top === 'time' && m.raw) {
        modified = JSON.parse(m.raw.toString('utf8'));
      } else if (m.path.length === 1 && m.raw) {
        open(top as string);
        emit(m.raw);
      } else if (m.path.length === 1 && top === 'versions') {
        if (versions < 0) open('versions');
        text(versions < 0 ? '{}' : '}');
        versions = -1;
      }
    },
  });
  return {
    write: (chunk) => scanner.push(chunk),
    end() {
      scanner.end();
      if (typeof modified === 'string') {
        open('modified');
        text(JSON.stringify(modified));
      }
      text('}');
    },
  };
}
