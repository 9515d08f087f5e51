// An origin that asks a second one only when the first says "not found" (404 or 410): a Maven
// plugin portal behind Central, say. Trouble on the first (connect failures, 5xx) is never a
// reason to ask the second, so an outage cannot turn into another repository's answer.
import type { FetchInit, Origin, UpstreamResponse } from '../../upstream/upstream-pool.js';

export function notFoundFallback(first: Origin, second: Origin | null): Origin {
  if (!second) return first;
  return {
    async fetch(path: string, init?: FetchInit): Promise<UpstreamResponse> {
      const r = await first.fetch(path, init);
      if (r.status !== 404 && r.status !== 410) return r;
      r.body.destroy();
      return second.fetch(path, init);
    },
  };
}
