// Python distributions for tests, made offline: wheels written with yazl (METADATA, WHEEL and a
// RECORD with real hashes, so pip installs them) and sdists packed with tar.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipOf } from './zip.js';

export interface Dist {
  project: string;
  version: string;
  filename: string;
  data: Buffer;
  sha256: string;
  /** The wheel's METADATA (PEP 658), absent for sdists. */
  metadata?: Buffer;
  requiresPython?: string;
  yanked?: boolean | string;
  uploadTime: string;
}

export interface DistSpec {
  requires?: string[];
  requiresPython?: string;
  yanked?: boolean | string;
  /** Module files by path (a default `<module>/__init__.py` when absent). */
  files?: Record<string, string>;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const recordHash = (b: Buffer): string =>
  `sha256=${createHash('sha256').update(b).digest('base64url')}`;
function metadataOf(project: string, version: string, spec: DistSpec): Buffer {
  const lines = ['Metadata-Version: 2.1', `Name: ${project}`, `Version: ${version}`];
  if (spec.requiresPython) lines.push(`Requires-Python: ${spec.requiresPython}`);
  for (const r of spec.requires ?? []) lines.push(`Requires-Dist: ${r}`);
  return Buffer.from(`${lines.join('\n')}\n\n${project} ${version} for Trove's tests\n`);
}

function moduleFiles(project: string, version: string, spec: DistSpec): Record<string, string> {
  const mod = project.replace(/[-.]/g, '_');
  return spec.files ?? { [`${mod}/__init__.py`]: `VERSION = ${JSON.stringify(version)}\n` };
}

/** A pure-Python wheel `<project>-<version>-py3-none-any.whl`. */
export async function wheel(
  project: string,
  version: string,
  spec: DistSpec = {},
  uploadTime = '2024-01-02T03:04:05.000000Z',
): Promise<Dist> {
  const stem = `${project.replace(/[-.]/g, '_')}-${version}`;
  const info = `${stem}.dist-info`;
  const metadata = metadataOf(project, version, spec);
  const entries: Array<[string, Buffer]> = Object.entries(moduleFiles(project, version, spec)).map(
    ([p, text]) => [p, Buffer.from(text)],
  );
  entries.push([`${info}/METADATA`, metadata]);
  entries.push([
    `${info}/WHEEL`,
    Buffer.from(
      'Wheel-Version: 1.0\nGenerator: trove-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
    ),
  ]);
  const record = entries.map(([p, d]) => `${p},${recordHash(d)},${d.length}`);
  record.push(`${info}/RECORD,,`);
  entries.push([`${info}/RECORD`, Buffer.from(`${record.join('\n')}\n`)]);
  const data = await zipOf(entries);
  const d: Dist = {
    project,
    version,
    filename: `${stem}-py3-none-any.whl`,
    data,
    sha256: sha256(data),
    metadata,
    uploadTime,
  };
  if (spec.requiresPython) d.requiresPython = spec.requiresPython;
  if (spec.yanked !== undefined) d.yanked = spec.yanked;
  return d;
}

/** A source distribution `<project>-<version>.tar.gz` (for downloads; never built here). */
export function sdist(project: string, version: string, spec: DistSpec = {}): Dist {
  const root = mkdtempSync(join(tmpdir(), 'trove-sdist-'));
  try {
    const top = `${project}-${version}`;
    const files = {
      ...moduleFiles(project, version, spec),
      'PKG-INFO': metadataOf(project, version, spec).toString(),
      'setup.py': `from setuptools import setup\nsetup(name=${JSON.stringify(project)}, version=${JSON.stringify(version)})\n`,
    };
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, top, p)), { recursive: true });
      writeFileSync(join(root, top, p), text);
    }
    const tar = execFileSync(
      'tar',
      ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-cf', '-', top],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
    );
    const data = gzipSync(tar);
    return {
      project,
      version,
      filename: `${top}.tar.gz`,
      data,
      sha256: sha256(data),
      uploadTime: '2024-01-01T00:00:00.000000Z',
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
