// Package URLs (PURLs): a list, one per line, and what CycloneDX and SPDX SBOMs carry. Each
// supported type maps to the ecosystem Trove serves it from.
import { PackageURL } from 'packageurl-js';
import type { Parsed, Unusable, Wanted } from '../wanted.js';
import { imageWanted } from './images.js';

/** The ecosystem item a PURL names, or why it cannot be prefetched. */
export function fromPurl(purl: string, from: string): Wanted | Unusable {
  let p: PackageURL;
  try {
    p = PackageURL.fromString(purl);
  } catch (err) {
    return { what: purl, from, reason: `not a package URL (${(err as Error).message})` };
  }
  const version = p.version;
  if (!version) return { what: purl, from, reason: 'has no version' };
  const ns = p.namespace ? `${p.namespace}/` : '';
  const hashes = p.qualifiers?.['checksum']?.split(',').filter((c) => c.startsWith('sha256:'));
  const base = { version, from, ...(hashes?.length ? { hashes } : {}) };
  switch (p.type) {
    case 'golang':
      return { ecosystem: 'go', name: `${ns}${p.name}`, ...base };
    case 'npm':
      return { ecosystem: 'npm', name: `${ns}${p.name}`, ...base };
    case 'pypi':
      return { ecosystem: 'pypi', name: p.name, ...base };
    case 'cargo':
      return { ecosystem: 'cargo', name: p.name, ...base };
    case 'maven': {
      if (!p.namespace) return { what: purl, from, reason: 'a Maven PURL needs its groupId' };
      const type = p.qualifiers?.['type'];
      return {
        ecosystem: 'maven',
        name: `${p.namespace}:${p.name}`,
        ...base,
        ...(type ? { only: type } : {}),
      };
    }
    case 'docker':
    case 'oci': {
      // pkg:docker/ns/name@tag?repository_url=registry; pkg:oci/name@sha256:…?repository_url=registry/path/name
      const repo = p.qualifiers?.['repository_url']?.replace(/\/+$/, '');
      const image = p.type === 'oci' ? (repo ?? p.name) : `${repo ? `${repo}/` : ''}${ns}${p.name}`;
      const ref = version.startsWith('sha256:') ? `${image}@${version}` : `${image}:${version}`;
      return imageWanted(ref, from) ?? { what: purl, from, reason: 'not an image reference' };
    }
    default:
      return {
        what: purl,
        from,
        reason: `pkg:${p.type} is not prefetched (supported: golang, npm, pypi, cargo, maven, docker, oci)`,
      };
  }
}

const collect = (items: Array<Wanted | Unusable>): Parsed => ({
  wanted: items.filter((i): i is Wanted => 'ecosystem' in i),
  unusable: items.filter((i): i is Unusable => !('ecosystem' in i)),
});

export function parsePurlList(text: string, file: string): Parsed {
  const items: Array<Wanted | Unusable> = [];
  text.split('\n').forEach((raw, i) => {
    const purl = raw.replace(/#.*$/, '').trim();
    if (purl) items.push(fromPurl(purl, `${file}:${i + 1}`));
  });
  return collect(items);
}

interface CdxComponent {
  purl?: string;
  components?: CdxComponent[];
}

/** CycloneDX JSON: every component's `purl`, nested components included. */
export function parseCycloneDx(doc: { components?: CdxComponent[] }, file: string): Parsed {
  const items: Array<Wanted | Unusable> = [];
  const walk = (cs: CdxComponent[] | undefined): void => {
    for (const c of cs ?? []) {
      if (c.purl) items.push(fromPurl(c.purl, `${file}: ${c.purl}`));
      walk(c.components);
    }
  };
  walk(doc.components);
  return collect(items);
}

/** SPDX JSON: each package's `purl` external reference. */
export function parseSpdxJson(
  doc: {
    packages?: Array<{
      externalRefs?: Array<{ referenceType?: string; referenceLocator?: string }>;
    }>;
  },
  file: string,
): Parsed {
  const items: Array<Wanted | Unusable> = [];
  for (const p of doc.packages ?? []) {
    for (const r of p.externalRefs ?? []) {
      if (r.referenceType === 'purl' && r.referenceLocator) {
        items.push(fromPurl(r.referenceLocator, `${file}: ${r.referenceLocator}`));
      }
    }
  }
  return collect(items);
}

/** SPDX tag-value: `ExternalRef: PACKAGE-MANAGER purl pkg:…` lines. */
export function parseSpdxTagValue(text: string, file: string): Parsed {
  const items: Array<Wanted | Unusable> = [];
  text.split('\n').forEach((line, i) => {
    const m = /^ExternalRef:\s*PACKAGE[-_]MANAGER\s+purl\s+(\S+)/.exec(line.trim());
    if (m) items.push(fromPurl(m[1] as string, `${file}:${i + 1}`));
  });
  return collect(items);
}
