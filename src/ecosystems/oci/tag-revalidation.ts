// Revalidating a tag's manifest with HEAD (distribution spec: HEAD returns Docker-Content-Digest;
// Docker Hub does not count HEAD against its pull limit). A conditional request from the engine
// becomes a HEAD: the same digest answers 304; a new digest is fetched by digest, so the bytes
// match the digest even if the tag moves again meanwhile.
import { Readable } from 'node:stream';
import type { FetchInit, Origin, UpstreamResponse } from '../../upstream/upstream-pool.js';

const TAG_MANIFEST = /^(v2\/.+\/manifests\/)([^/]+)$/;

export class TagRevalidation implements Origin {
  constructor(private readonly inner: Origin) {}

  async fetch(path: string, init: FetchInit = {}): Promise<UpstreamResponse> {
    const known = init.headers?.['if-none-match'];
    const m = TAG_MANIFEST.exec(path);
    if (!known || !m || (m[2] as string).includes(':')) return this.inner.fetch(path, init);
    const headers = Object.fromEntries(
      Object.entries(init.headers ?? {}).filter(
        ([k]) => k !== 'if-none-match' && k !== 'if-modified-since',
      ),
    );
    const head = await this.inner.fetch(path, { ...init, method: 'HEAD', headers });
    head.body.resume();
    const digest = head.headers['docker-content-digest'];
    if (head.status !== 200 || !digest) {
      // Not answerable by HEAD (an error, or no digest): let the engine see it, or ask with GET.
      return head.status === 200 ? this.inner.fetch(path, { ...init, headers }) : head;
    }
    if (known.replace(/^W\//, '').replace(/"/g, '') === digest) {
      return { ...head, status: 304, body: Readable.from([]) };
    }
    return this.inner.fetch(`${m[1] as string}${digest}`, { ...init, headers });
  }
}
