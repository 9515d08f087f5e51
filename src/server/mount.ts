// What the server routes to: a mounted handler with its prefix and hosts. The app adapts
// ecosystem instances to this shape, so the server knows no ecosystem.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TroveError } from '../errors.js';
import type { Routable } from './router.js';
import type { EntryBrowser } from '../ui/entry-browser.js';

export interface RequestContext {
  /** Decoded, checked path below the mount, without a leading slash. */
  path: string;
  segments: string[];
  query: string;
  /** Public base URL of the mount, without a trailing slash. */
  baseUrl: string;
  /** The client's address (behind trusted proxies, from X-Forwarded-For). */
  client: string;
}

export interface HandledRequest {
  /** X-Cache style result for the access log. */
  result: string;
  bytes: number;
}

export interface Mount extends Routable {
  type: string;
  handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<HandledRequest>;
  /** Writes an error in the mount's protocol format. */
  sendError(res: ServerResponse, err: TroveError): void;
  /** `%2f` in a request path is a plain `/` (npm scoped names), not a refused encoding. */
  encodedSlashes?: boolean;
  /** Client set-up text for the home page. */
  clientSetup(baseUrl: string): string;
  /** How the web UI lists this instance's cached entries. */
  browse: EntryBrowser;
}

/** One mount per instance: its shortest path (an instance may be mounted at several). */
export function primaryMounts<T extends Mount>(mounts: readonly T[]): T[] {
  const best = new Map<string, T>();
  for (const m of mounts) {
    const seen = best.get(m.name);
    if (!seen || m.prefix.length < seen.prefix.length) best.set(m.name, m);
  }
  return [...best.values()];
}
