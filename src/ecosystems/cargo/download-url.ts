// Where a registry keeps a crate, from its config.json `dl` (cargo's registry-index.md,
// "Index configuration"): the markers {crate}, {version}, {prefix}, {lowerprefix} and
// {sha256-checksum} are replaced, and a `dl` with none of them gets /{crate}/{version}/download.
import { prefixOf } from './crate-name.js';

const MARKERS = /\{(?:crate|version|prefix|lowerprefix|sha256-checksum)\}/;

export function downloadUrl(dl: string, crate: string, version: string, cksum: string): string {
  if (!MARKERS.test(dl)) return `${dl.replace(/\/+$/, '')}/${crate}/${version}/download`;
  return dl
    .replaceAll('{crate}', crate)
    .replaceAll('{version}', version)
    .replaceAll('{prefix}', prefixOf(crate))
    .replaceAll('{lowerprefix}', prefixOf(crate).toLowerCase())
    .replaceAll('{sha256-checksum}', cksum);
}
