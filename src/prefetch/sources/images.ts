// A list of image references, one per line (`alpine:3.20`, `ghcr.io/o/i@sha256:…`), read as
// container clients read them.
import { parseImageRef } from '../../ecosystems/oci/image-ref.js';
import type { Parsed, Wanted } from '../wanted.js';

export function imageWanted(ref: string, from: string): Wanted | null {
  const r = parseImageRef(ref);
  return r
    ? { ecosystem: 'oci', name: `${r.registry}/${r.repository}`, version: r.reference, from }
    : null;
}

export function parseImageList(text: string, file: string): Parsed {
  const out: Parsed = { wanted: [], unusable: [] };
  text.split('\n').forEach((raw, i) => {
    const ref = raw.replace(/#.*$/, '').trim();
    if (!ref) return;
    const from = `${file}:${i + 1}`;
    const w = imageWanted(ref, from);
    if (w) out.wanted.push(w);
    else out.unusable.push({ what: ref, from, reason: 'not an image reference' });
  });
  return out;
}
