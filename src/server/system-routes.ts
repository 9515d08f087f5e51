// Trove's own endpoints: /health (liveness), /ready (storage and index probe), /metrics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { ErrorCode } from '../errors.js';

export interface SystemDeps {
  /** Each readiness check by name: 'ok', or why it failed. */
  ready(): Promise<Record<string, string>>;
  /** A prom-client Registry, or the cluster's merged metrics. */
  metrics: { contentType: string; metrics(): Promise<string> } | null;
  metricsToken: string | null;
  /** With access control on: whether these credentials may read /metrics (`access.metrics`). */
  metricsAccess: ((authorization: string | undefined, client: string) => Promise<boolean>) | null;
}

/** /metrics is open without a token and access control; else it needs one or the other. */
async function metricsAllowed(req: IncomingMessage, d: SystemDeps): Promise<boolean> {
  const auth = req.headers.authorization;
  if (d.metricsToken && tokenOk(auth, d.metricsToken)) return true;
  if (d.metricsAccess) return d.metricsAccess(auth, req.socket.remoteAddress ?? '');
  return d.metricsToken === null;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

function tokenOk(header: string | undefined, token: string): boolean {
  const want = Buffer.from(`Bearer ${token}`);
  const got = Buffer.from(header ?? '');
  return got.length === want.length && timingSafeEqual(got, want);
}

const SYSTEM_PATHS = new Set([
  '/health',
  '/_trove/health',
  '/ready',
  '/_trove/ready',
  '/metrics',
  '/_trove/metrics',
]);

/** Cheap test before any async work, so instance requests skip systemRoute entirely. */
export function isSystemPath(path: string): boolean {
  return SYSTEM_PATHS.has(path);
}

/** Handles a system path; returns false when the path is not one. */
export async function systemRoute(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  d: SystemDeps,
): Promise<boolean> {
  switch (path) {
    case '/health':
    case '/_trove/health':
      send(res, 200, 'application/json', '{"status":"ok"}');
      return true;
    case '/ready':
    case '/_trove/ready':
      {
        const checks = await d.ready().catch((err: unknown) => ({ ready: String(err) }));
        const ok = Object.values(checks).every((v) => v === 'ok');
        const body = JSON.stringify({ status: ok ? 'ready' : 'unavailable', checks });
        send(res, ok ? 200 : 503, 'application/json', body);
      }
      return true;
    case '/metrics':
    case '/_trove/metrics':
      if (!d.metrics) return false;
      if (!(await metricsAllowed(req, d))) {
        res.setHeader('www-authenticate', 'Bearer realm="trove-metrics"');
        res.setHeader('x-trove-error', 'TROVE_ERR_UNAUTHORIZED' satisfies ErrorCode);
        send(
          res,
          401,
          'text/plain',
          'a bearer token or a subject in access.metrics is required for /metrics\n',
        );
        return true;
      }
      send(res, 200, d.metrics.contentType, await d.metrics.metrics());
      return true;
    default:
      return false;
  }
}
