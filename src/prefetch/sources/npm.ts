// npm lockfiles: package-lock.json (v1 to v3), pnpm-lock.yaml (v5 to v9) and yarn.lock (yarn 1
// and yarn 2+). Only registry packages are prefetched: git, file, link and workspace entries are
// reported as unusable.
import { parse as parseYaml } from 'yaml';
import type { Parsed, Unusable, Wanted } from '../wanted.js';

const INTEGRITY = /^sha(256|384|512)-/;

function npmWanted(name: string, version: string, from: string, integrity?: unknown): Wanted {
  const w: Wanted = { ecosystem: 'npm', name, version, from };
  if (typeof integrity === 'string' && INTEGRITY.test(integrity)) w.hashes = [integrity];
  return w;
}

const isRegistryVersion = (v: unknown): v is string =>
  typeof v === 'string' && /^\d+\.\d+\.\d+(?:[-+][\w.+-]*)?$/.test(v);

interface LockEntry {
  version?: unknown;
  name?: unknown;
  resolved?: unknown;
  integrity?: unknown;
  link?: unknown;
  dependencies?: Record<string, LockEntry>;
}

export function parsePackageLock(text: string, file: string): Parsed {
  const lock = JSON.parse(text) as {
    packages?: Record<string, LockEntry>;
    dependencies?: Record<string, LockEntry>;
  };
  const wanted: Wanted[] = [];
  const unusable: Unusable[] = [];
  const take = (name: string, e: LockEntry, from: string): void => {
    if (e.link) return; // a workspace member
    if (!isRegistryVersion(e.version)) {
      unusable.push({
        what: `${name}@${String(e.version)}`,
        from,
        reason: 'not a registry package',
      });
      return;
    }
    wanted.push(
      npmWanted(typeof e.name === 'string' ? e.name : name, e.version, from, e.integrity),
    );
  };
  if (lock.packages) {
    for (const [path, e] of Object.entries(lock.packages)) {
      const at = path.lastIndexOf('node_modules/');
      if (at === -1) continue; // the root project, or a workspace folder
      take(path.slice(at + 'node_modules/'.length), e, `${file}: ${path}`);
    }
  } else {
    const walk = (deps: Record<string, LockEntry> | undefined): void => {
      for (const [name, e] of Object.entries(deps ?? {})) {
        take(name, e, `${file}: ${name}`);
        walk(e.dependencies);
      }
    };
    walk(lock.dependencies);
  }
  return { wanted, unusable };
}

/** `name@version` with a leading `/` (v5, v6) or not (v9), a peer suffix, or v5's `/name/1.0.0`. */
function pnpmKey(key: string): { name: string; version: string } | null {
  const k = key.replace(/^\//, '').replace(/\(.*$/, '').replace(/_.*$/, '');
  const at = k.lastIndexOf('@');
  if (at > 0) return { name: k.slice(0, at), version: k.slice(at + 1) };
  const slash = k.lastIndexOf('/');
  return slash > 0 ? { name: k.slice(0, slash), version: k.slice(slash + 1) } : null;
}

export function parsePnpmLock(text: string, file: string): Parsed {
  const lock = parseYaml(text) as {
    packages?: Record<string, { resolution?: { integrity?: string; tarball?: string } }>;
  };
  const wanted: Wanted[] = [];
  const unusable: Unusable[] = [];
  for (const [key, e] of Object.entries(lock.packages ?? {})) {
    const nv = pnpmKey(key);
    const from = `${file}: ${key}`;
    if (!nv || !isRegistryVersion(nv.version)) {
      unusable.push({ what: key, from, reason: 'not a registry package' });
      continue;
    }
    wanted.push(npmWanted(nv.name, nv.version, from, e?.resolution?.integrity));
  }
  return { wanted, unusable };
}

/** The package name of a yarn.lock descriptor: `name@range`, `@scope/name@npm:range`. */
const descriptorName = (d: string): string => {
  const s = d.trim().replace(/^"|"$/g, '');
  const at = s.indexOf('@', 1);
  return at === -1 ? s : s.slice(0, at);
};

export function parseYarnLock(text: string, file: string): Parsed {
  const wanted: Wanted[] = [];
  const unusable: Unusable[] = [];
  if (/^__metadata:/m.test(text)) {
    // yarn 2+: YAML, keyed by descriptors, with `resolution: name@npm:version`.
    const lock = parseYaml(text) as Record<
      string,
      { version?: unknown; resolution?: unknown; checksum?: unknown }
    >;
    for (const [key, e] of Object.entries(lock)) {
      if (key === '__metadata' || typeof e?.resolution !== 'string') continue;
      const m = /^(@?[^@]+)@npm:(.+)$/.exec(e.resolution);
      const from = `${file}: ${key}`;
      if (!m || !isRegistryVersion(m[2])) {
        if (!e.resolution.includes('@workspace:')) {
          unusable.push({ what: e.resolution, from, reason: 'not a registry package' });
        }
        continue;
      }
      wanted.push(npmWanted(m[1] as string, m[2] as string, from));
    }
    return { wanted, unusable };
  }
  // yarn 1: blocks of `"a@^1", a@~1.2:` then indented `version "1.2.3"` and `integrity sha512-…`.
  let names: string[] = [];
  let block: { version?: string; resolved?: string; integrity?: string; line: number } | null =
    null;
  const flush = (): void => {
    if (!block || names.length === 0) return;
    const name = names[0] as string;
    const from = `${file}:${block.line}`;
    if (
      isRegistryVersion(block.version) &&
      !/^(git|file|link):|\.git(#|$)/.test(block.resolved ?? '')
    ) {
      wanted.push(npmWanted(name, block.version, from, block.integrity));
    } else {
      unusable.push({
        what: `${name}@${block.version ?? '?'}`,
        from,
        reason: 'not a registry package',
      });
    }
  };
  text.split('\n').forEach((line, i) => {
    if (/^\S.*:\s*$/.test(line) && !line.startsWith('#')) {
      flush();
      names = line.replace(/:\s*$/, '').split(',').map(descriptorName);
      block = { line: i + 1 };
      return;
    }
    const m = /^\s+(version|resolved|integrity)\s+"?([^"\s]+)"?\s*$/.exec(line);
    if (m && block) block[m[1] as 'version' | 'resolved' | 'integrity'] = m[2] as string;
  });
  flush();
  return { wanted, unusable };
}
