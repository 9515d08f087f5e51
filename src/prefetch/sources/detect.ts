// Which parser reads a file: by its name (go.sum, package-lock.json, Cargo.lock, …), else by
// its content (an SBOM's JSON, PURL lines, image references), or as `--format` says.
import { basename } from 'node:path';
import { TroveError } from '../../errors.js';
import type { Parsed } from '../wanted.js';
import { parseCargoLock } from './cargo.js';
import { parseGoMod, parseGoSum } from './go.js';
import { parseImageList } from './images.js';
import { parsePackageLock, parsePnpmLock, parseYarnLock } from './npm.js';
import { parseCycloneDx, parsePurlList, parseSpdxJson, parseSpdxTagValue } from './purl.js';
import { parseRequirements } from './python.js';

const json = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;

export const FORMATS: Record<string, (text: string, file: string) => Parsed> = {
  'go.sum': parseGoSum,
  'go.mod': parseGoMod,
  'package-lock': parsePackageLock,
  'pnpm-lock': parsePnpmLock,
  'yarn-lock': parseYarnLock,
  requirements: parseRequirements,
  'cargo-lock': parseCargoLock,
  images: parseImageList,
  purls: parsePurlList,
  cyclonedx: (t, f) => parseCycloneDx(json(t), f),
  'spdx-json': (t, f) => parseSpdxJson(json(t), f),
  spdx: parseSpdxTagValue,
};

const BY_NAME: Array<[RegExp, string]> = [
  [/^go\.sum$/, 'go.sum'],
  [/^go\.mod$/, 'go.mod'],
  [/^(package-lock|npm-shrinkwrap)\.json$/, 'package-lock'],
  [/^pnpm-lock\.ya?ml$/, 'pnpm-lock'],
  [/^yarn\.lock$/, 'yarn-lock'],
  [/^(requirements|constraints).*\.(txt|in)$/, 'requirements'],
  [/^Cargo\.lock$/, 'cargo-lock'],
  [/\.spdx$/, 'spdx'],
];

/** The format of a file: from `--format`, its name, or its content. */
export function detectFormat(file: string, text: string, format?: string): string {
  if (format) {
    if (!FORMATS[format]) {
      throw new TroveError(
        'TROVE_ERR_BAD_REQUEST',
        `--format ${format}: not one of ${Object.keys(FORMATS).join(', ')}`,
      );
    }
    return format;
  }
  const name = basename(file);
  for (const [re, f] of BY_NAME) if (re.test(name)) return f;
  const t = text.trimStart();
  if (t.startsWith('{')) {
    let doc: Record<string, unknown> = {};
    try {
      doc = json(t);
    } catch {
      // not JSON after all: fall through to the line formats
    }
    if (doc['bomFormat'] === 'CycloneDX') return 'cyclonedx';
    if (typeof doc['spdxVersion'] === 'string') return 'spdx-json';
    if ('lockfileVersion' in doc) return 'package-lock';
  }
  if (/^SPDXVersion:/m.test(t)) return 'spdx';
  const lines = t
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
  if (lines.length > 0 && lines.every((l) => l.startsWith('pkg:'))) return 'purls';
  if (lines.length > 0 && lines.every((l) => /^[\w.:/@-]+$/.test(l) && !l.includes('=='))) {
    return 'images';
  }
  throw new TroveError(
    'TROVE_ERR_BAD_REQUEST',
    `${file}: cannot tell what this file is; name its format with --format (${Object.keys(FORMATS).join(', ')})`,
  );
}

export function parseSource(file: string, text: string, format?: string): Parsed {
  const f = detectFormat(file, text, format);
  try {
    return (FORMATS[f] as (text: string, file: string) => Parsed)(text, file);
  } catch (err) {
    if (err instanceof TroveError) throw err;
    throw new TroveError(
      'TROVE_ERR_BAD_REQUEST',
      `${file}: not a valid ${f} file (${(err as Error).message})`,
    );
  }
}
