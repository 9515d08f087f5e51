// Answers built from cached registry metadata: tags/list with its Link header pointing back at
// Trove, and referrers with the distribution spec's fallback when the upstream has no API for it.
import type { Loaded } from '../../engine/engine.js';
import type { Resource } from '../../engine/types.js';
import { toTroveError } from '../../errors.js';
import type { Decision } from '../ecosystem.js';
import { OCI_INDEX } from './manifests.js';
import { API_VERSION, errorDecision, formatOciError } from './responses.js';

export interface ApiContext {
  load(resource: Resource): Promise<Loaded>;
  /** The client's base for this repository: <public url>/v2/<name as the client wrote it>. */
  base: string;
}

async function guarded(fn: () => Promise<Decision>): Promise<Decision> {
  try {
    return await fn();
  } catch (err) {
    return { kind: 'response', response: formatOciError(toTroveError(err)) };
  }
}

/** Rewrites a Link header (`<…/tags/list?n=…&last=…>; rel="next"`) onto Trove. */
export function rewriteLink(link: string, base: string): string {
  return link.replace(/<([^>]*)>/, (_m, target: string) => {
    const q = target.includes('?') ? target.slice(target.indexOf('?')) : '';
    return `<${base}/tags/list${q}>`;
  });
}

export function tagsAnswer(resource: Resource, api: ApiContext): Promise<Decision> {
  return guarded(async () => {
    const l = await api.load(resource);
    if (l.kind === 'negative')
      return errorDecision(l.status, 'NAME_UNKNOWN', 'repository name not known to registry');
    const link = l.headers['link'];
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...API_VERSION,
      'x-cache': l.result,
    };
    if (link) headers['link'] = rewriteLink(link, api.base);
    return { kind: 'response', response: { status: 200, headers, body: l.body } };
  });
}

interface Index {
  schemaVersion?: number;
  mediaType?: string;
  manifests?: Array<{ artifactType?: string }>;
}

export function referrersAnswer(
  resource: Resource,
  fallbackTag: Resource | null,
  artifactType: string | null,
  api: ApiContext,
): Promise<Decision> {
  return guarded(async () => {
    let index: Index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
    const l = await api.load(resource);
    if (l.kind === 'body') index = JSON.parse(l.body.toString('utf8')) as Index;
    else if (fallbackTag) {
      // The upstream has no referrers API: the referrers tag schema (sha256-<hex>) holds them.
      const t = await api.load(fallbackTag);
      if (t.kind === 'body') index = JSON.parse(t.body.toString('utf8')) as Index;
    }
    const headers: Record<string, string> = { 'content-type': OCI_INDEX, ...API_VERSION };
    if (artifactType) {
      index = {
        ...index,
        manifests: (index.manifests ?? []).filter((m) => m.artifactType === artifactType),
      };
      headers['oci-filters-applied'] = 'artifactType';
    }
    return { kind: 'response', response: { status: 200, headers, body: JSON.stringify(index) } };
  });
}
