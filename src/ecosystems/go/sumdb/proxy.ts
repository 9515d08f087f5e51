// The checksum database proxy (go.dev/ref/mod#checksum-database): /sumdb/<name>/supported,
// /latest, /lookup/<module>@<version> and /tile/... for each configured database. Full tiles
// and lookups never change; `latest` and partial tiles do. Lookups of private modules never
// leave Trove.
import type { Policy, Resource } from '../../../engine/types.js';
import type { Origin } from '../../../upstream/upstream-pool.js';
import type { Decision } from '../../ecosystem.js';
import { encodePath } from '../../common/url.js';
import { unescapeModulePath, unescapeVersion } from '../module-path.js';
import { textResponse } from '../responses.js';

export interface SumdbTarget {
  name: string;
  origin: Origin;
  immutable: Policy;
  moving: Policy;
}

const TILE = /^tile\/[1-9][0-9]?\/(?:data|[0-9]+)\/(?:x[0-9]{3}\/)*[0-9]{3}(?:\.p\/[1-9][0-9]*)?$/;

type Checked =
  { ok: true; resource: Resource; module?: string } | { ok: false; status: number; reason: string };

/** The cacheable resource for a path below a database's root, or why there is none. */
export function sumdbResource(db: SumdbTarget, path: string): Checked {
  const rest = path.split('/');
  const resource = (policy: Policy, cls: Resource['class']): Resource => ({
    key: `sumdb/${db.name}/${path}`,
    class: cls,
    policy,
    origin: db.origin,
    upstreamPath: encodePath(rest),
    keepHeaders: ['content-type'],
    maxSize: 16 * 1024 * 1024,
  });
  if (path === 'latest') return { ok: true, resource: resource(db.moving, 'metadata') };
  if (rest[0] === 'lookup' && rest.length >= 2) {
    const target = rest.slice(1).join('/');
    const at = target.lastIndexOf('@');
    const mod = unescapeModulePath(target.slice(0, at));
    const ver = unescapeVersion(target.slice(at + 1));
    if (at <= 0 || !mod.ok || !ver.ok) {
      return { ok: false, status: 400, reason: `bad request: malformed lookup ${target}` };
    }
    return { ok: true, resource: resource(db.immutable, 'metadata'), module: mod.value };
  }
  if (TILE.test(path)) {
    const policy = path.includes('.p/') ? db.moving : db.immutable;
    return { ok: true, resource: resource(policy, 'auxiliary') };
  }
  return { ok: false, status: 404, reason: `not found: ${path} is not a checksum database path` };
}

export function sumdbDecision(
  db: SumdbTarget | undefined,
  name: string,
  rest: readonly string[],
  isPrivate: (module: string) => boolean,
): Decision {
  if (!db) return textResponse(404, `not found: checksum database ${name} is not proxied here`);
  const path = rest.join('/');
  if (path === 'supported') return textResponse(200, '');
  const checked = sumdbResource(db, path);
  if (!checked.ok) return textResponse(checked.status, checked.reason);
  if (checked.module !== undefined && isPrivate(checked.module)) {
    return textResponse(403, `${checked.module} is private; its checksum is not looked up`);
  }
  return { kind: 'resource', resource: checked.resource };
}
