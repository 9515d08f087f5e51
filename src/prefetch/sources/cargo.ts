// Cargo.lock: every `[[package]]` from a registry (crates.io's, or another by its index URL),
// with its checksum. Path and git dependencies are not prefetched.
import { parse as parseToml } from 'smol-toml';
import type { Parsed } from '../wanted.js';

export function parseCargoLock(text: string, file: string): Parsed {
  const lock = parseToml(text) as {
    package?: Array<{ name?: string; version?: string; source?: string; checksum?: string }>;
  };
  const out: Parsed = { wanted: [], unusable: [] };
  for (const p of lock.package ?? []) {
    if (!p.name || !p.version || !p.source) continue; // a workspace member
    const from = `${file}: ${p.name} ${p.version}`;
    if (!/^(registry|sparse)\+/.test(p.source)) {
      out.unusable.push({
        what: `${p.name}@${p.version}`,
        from,
        reason: `source ${p.source.split('+')[0]} is not a registry`,
      });
      continue;
    }
    out.wanted.push({
      ecosystem: 'cargo',
      name: p.name,
      version: p.version,
      from,
      ...(p.checksum ? { hashes: [`sha256:${p.checksum}`] } : {}),
    });
  }
  return out;
}
