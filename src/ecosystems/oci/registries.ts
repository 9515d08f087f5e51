// The upstream registries of one oci instance: the built-in table plus the configured ones,
// each behind its token dance, with tag revalidation by HEAD on top.
import type { Origin } from '../../upstream/upstream-pool.js';
import type { InstanceContext } from '../ecosystem.js';
import { memoize } from '../common/memo.js';
import type { OciConfig } from './oci-config.js';
import { DEFAULT_REGISTRIES } from './routing.js';
import type { RateLimits } from './rate-limits.js';
import { TagRevalidation } from './tag-revalidation.js';
import { RegistryAuth, type Credential } from './token-auth.js';

export interface Registry {
  /** Forward each client's credentials instead of Trove's own. */
  passthrough: boolean;
  /** The registry with Trove's configured credentials (none in passthrough mode). */
  origin: Origin;
  /** The registry as a given client sees it (passthrough mode). */
  as(cred: Credential): { origin: Origin; auth: RegistryAuth };
  /** Prefetch an image's blobs with its manifest: no, or for these platforms (null: all). */
  prefetch: false | { platforms: string[] | null };
}

type Entry = OciConfig['registries'][string];

function credentialOf(auth: Entry['auth']): Credential {
  if (!auth) return undefined;
  if ('bearer' in auth) return { bearer: auth.bearer.reveal() };
  return { basic: Buffer.from(`${auth.username}:${auth.password.reveal()}`).toString('base64') };
}

export function registries(
  cfg: OciConfig,
  ctx: InstanceContext,
  limits: RateLimits,
): Map<string, Registry> {
  const realm = memoize((origin): Origin => ctx.origin([{ url: origin }]));
  const builtIn = Object.entries(DEFAULT_REGISTRIES).map(([name, url]): [string, Entry] => [
    name,
    { url, headers: {}, passthrough: false, prefetch: false },
  ]);
  const out = new Map<string, Registry>();
  for (const [name, r] of [...builtIn, ...Object.entries(cfg.registries)]) {
    const pool = ctx.upstream([{ url: r.url, headers: r.headers }]);
    // Passthrough clients pull with their own identities, and their own limits.
    const origin = r.passthrough ? pool : limits.wrap(name, pool);
    const auth = new RegistryAuth(origin, realm, credentialOf(r.auth));
    const prefetch = r.passthrough || !r.prefetch ? false : r.prefetch;
    out.set(name, {
      passthrough: r.passthrough,
      prefetch:
        prefetch === false ? false : { platforms: prefetch === true ? null : prefetch.platforms },
      origin: new TagRevalidation(auth),
      as(cred) {
        const seen = auth.as(cred);
        return { origin: new TagRevalidation(seen), auth: seen };
      },
    });
  }
  return out;
}
