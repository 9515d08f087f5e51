// The host's own npm registry, as `npm config get registry` reports it (the same way the Debian
// default reads the host's apt sources), so no registry host is written into Trove's source.
import { execFileSync } from 'node:child_process';

let known: string | null | undefined;

function httpOrNull(v: string | undefined): string | null {
  const s = (v ?? '').trim();
  return /^https?:\/\/\S+$/.test(s) ? s : null;
}

/** The registry URL from npm's environment or `npm config get registry`; null when none. */
export function hostNpmRegistry(env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = httpOrNull(env['npm_config_registry'] ?? env['NPM_CONFIG_REGISTRY']);
  if (fromEnv) return fromEnv;
  if (known !== undefined) return known;
  try {
    const out = execFileSync('npm', ['config', 'get', 'registry'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    known = httpOrNull(out);
  } catch {
    known = null;
  }
  return known;
}
