// The request path through the server: system routes, path checks, routing, access log.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import type { Logger } from 'pino';
import { TroveError, toTroveError } from '../errors.js';
import { authorityConflict } from './h2-compat.js';
import { isUiPath, uiRoute, type UiDeps } from '../ui/ui-routes.js';
import type { Mount } from './mount.js';
import { clientAddress, requestOrigin } from './public-url.js';
import type { Router } from './router.js';
import { checkPath } from './safe-path.js';
import { isSystemPath, systemRoute, type SystemDeps } from './system-routes.js';

export interface HandlerOptions {
  router: Router<Mount>;
  /** Serve system routes (the main listener does; dedicated ones do not). */
  system: SystemDeps | null;
  /** The web UI and /_trove/instances (the main listener only). */
  ui: UiDeps | null;
  publicUrl: string | undefined;
  trusted: BlockList | null;
  log: Logger;
  isShuttingDown(): boolean;
}

function plainError(res: ServerResponse, err: TroveError, extra = ''): void {
  const body = `${err.message}\n${extra}`;
  res.writeHead(err.status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-trove-error': err.code,
  });
  res.end(body);
}

function hostCount(raw: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') n++;
  }
  return n;
}

/**
 * A mount whose protocol encodes a separator as `%2f` (npm's `@scope%2fname`) gets it as a
 * plain slash; everywhere else an encoded slash is refused (see safe-path.ts).
 */
function slashes(router: Router<Mount>, req: IncomingMessage, rawPath: string): string {
  if (!/%2f/i.test(rawPath)) return rawPath;
  const mount = router.match(() => req.headers.host, rawPath)?.mount;
  return mount?.encodedSlashes ? rawPath.replace(/%2f/gi, '/') : rawPath;
}

export function createRequestHandler(o: HandlerOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    let instance: string | undefined;
    let result = '-';
    let bytes = 0;
    let pending = 2; // the response closed, and the handler returned
    // Read now: an HTTP/2 stream no longer has its session's socket once it closes.
    const remote = req.socket.remoteAddress;
    const finish = (): void => {
      if (--pending > 0) return;
      o.log.info({
        method: req.method,
        url: req.url,
        http: req.httpVersion,
        status: res.statusCode,
        cache: result,
        bytes,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        instance,
        remote,
        complete: res.writableFinished,
      });
    };
    res.once('close', finish);
    try {
      if (o.isShuttingDown()) {
        res.setHeader('connection', 'close');
        return plainError(
          res,
          new TroveError('TROVE_ERR_SHUTTING_DOWN', 'Trove is shutting down; retry shortly'),
        );
      }
      if (hostCount(req.rawHeaders) > 1 || authorityConflict(req)) {
        // RFC 9112 §3.2: more than one Host is a 400; which one a proxy in front of Trove
        // routed by cannot be known, so neither is trusted. HTTP/2: Host against :authority.
        return plainError(
          res,
          new TroveError('TROVE_ERR_BAD_REQUEST', 'bad request: more than one Host header'),
        );
      }
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const rawPath = q === -1 ? url : url.slice(0, q);
      const query = q === -1 ? '' : url.slice(q + 1);
      if (o.system && isSystemPath(rawPath) && (await systemRoute(req, res, rawPath, o.system))) {
        result = 'SYSTEM';
        return;
      }
      const safe = checkPath(slashes(o.router, req, rawPath));
      if (!safe.ok) {
        const err = new TroveError('TROVE_ERR_BAD_PATH', `bad request path: ${safe.reason}`);
        const mount = o.router.match(() => req.headers.host, rawPath)?.mount;
        return mount ? mount.sendError(res, err) : plainError(res, err);
      }
      const path = `/${safe.path}`;
      // The dashboard wins over a root mount: no package protocol asks for a bare `/`.
      if (o.ui && isUiPath(path)) {
        const u = {
          path,
          query: new URLSearchParams(query),
          origin: requestOrigin(req, o.publicUrl, o.trusted),
          client: clientAddress(req, o.trusted),
          mounts: o.router.mounts,
        };
        result = 'SYSTEM';
        if (await uiRoute(req, res, u, o.ui)) return;
        return plainError(res, new TroveError('TROVE_ERR_NO_ROUTE', `no page at ${path}`));
      }
      const match = o.router.match(() => req.headers.host, path);
      if (!match) {
        const list = o.router.mounts
          .map((m) => `  ${m.prefix || '/'} (${m.name}, ${m.type})`)
          .join('\n');
        return plainError(
          res,
          new TroveError('TROVE_ERR_NO_ROUTE', `no instance serves ${path}`),
          `instances:\n${list}\n`,
        );
      }
      instance = match.mount.name;
      const prefixSegments =
        match.mount.prefix === '' ? 0 : match.mount.prefix.split('/').length - 1;
      const segments = safe.segments.slice(prefixSegments);
      const prefix = match.mount.prefix;
      const out = await match.mount.handle(req, res, {
        path: segments.join('/'),
        segments,
        query,
        // Computed only when an ecosystem asks (metadata rewriting, synthetic answers).
        get baseUrl() {
          return `${requestOrigin(req, o.publicUrl, o.trusted)}${prefix}`;
        },
        get client() {
          return clientAddress(req, o.trusted);
        },
      });
      result = out.result;
      bytes = out.bytes;
    } catch (err) {
      const e = toTroveError(err);
      o.log.error({ err: e, url: req.url }, 'request failed');
      if (res.headersSent) res.destroy();
      else plainError(res, e);
    } finally {
      finish();
    }
  };
}
