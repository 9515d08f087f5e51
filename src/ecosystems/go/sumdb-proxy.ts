// The checksum database proxy (go.dev/ref/mod#checksum-database): /sumdb/<name>/supported,
// /latest, /lookup/<module>@<version> and /tile/... for each configured database. Full tiles
// never change; `latest` and partial tiles do. Lookups of private modules never leave Trove.
import type { Policy, Resource } from '../../engine/types.js';
import type { Origin } from '../../upstream/upstream-pool.js';
import type { Decision } from '../ecosystem.js';
import { encodePath } from '../common/url.js';
import { unescapeModulePath, unescapeVersion } from './module-path.js';
import { textResponse } from './responses.js';

export interface SumdbTarget {
  name: string;
  origin: Origin;
}

export interface SumdbPolicies {
  immutable: Policy;
  moving: Policy;
}

const TILE = /^tile\/[1-9][0-9]?\/(?:data|[0-9]+)\/(?:x[0-9]{3}\/)*[0-9]{3}(?:\.p\/[1-9][0-9]*)?$/;

export function sumdbDecision(
  db: SumdbTarget | undefined,
  name: string,
  rest: readonly string[],
  policies: SumdbPolicies,
  isPrivate: (module: string) => boolean,
): Decision {
  if (!db) return textResponse(404, `not found: checksum database ${name} is not proxied here`);
  const path = rest.join('/');
  if (path === 'supported') return textResponse(200, '');
  const resource = (policy: Policy, cls: Resource['class']): Decision => ({
    kind: 'resource',
    resource: {
      key: `sumdb/${name}/${path}`,
      class: cls,
      policy,
      origin: db.origin,
      upstreamPath: encodePath(rest),
      keepHeaders: ['content-type'],
      maxSize: 16 * 1024 * 1024,
    },
  });
  if (path === 'latest') return resource(policies.moving, 'metadata');
  if (rest[0] === 'lookup' && rest.length >= 2) {
    const target = rest.slice(1).join('/');
    const at = target.lastIndexOf('@');
    const mod = unescapeModulePath(target.slice(0, at));
    const ver = unescapeVersion(target.slice(at + 1));
    if (at <= 0 || !mod.ok || !ver.ok) {
      return textResponse(400, `bad request: malformed lookup ${target}`);
    }
    if (isPrivate(mod.value)) {
      return textResponse(403, `${mod.value} is private; its checksum is not looked up`);
    }
    return resource(policies.immutable, 'metadata');
  }
  if (TILE.test(path)) {
    return resource(path.includes('.p/') ? policies.moving : policies.immutable, 'auxiliary');
  }
  return textResponse(404, `not found: ${path} is not a checksum database path`);
}
