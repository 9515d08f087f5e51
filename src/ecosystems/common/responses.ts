// Error bodies in text/plain, as the Go proxy protocol and plain-file clients expect, and the
// status package managers retry on.
import type { TroveError } from '../../errors.js';
import type { SyntheticResponse } from '../ecosystem.js';

export function textError(err: TroveError, status = err.status): SyntheticResponse {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-trove-error': err.code },
    body: `${err.message}\n`,
  };
}

/**
 * An upstream that cannot be reached or fails (5xx) as a 503, which package managers retry
 * and never take for "does not exist" (verdaccio/verdaccio#720, PR #1331; pip and uv retry
 * 503 too). Timeouts stay 504; a refused body (checksum, malformed metadata) stays 502.
 */
export function retryableStatus(err: TroveError): number {
  if (err.code === 'TROVE_ERR_UPSTREAM_CONNECT') return 503;
  if (err.code === 'TROVE_ERR_UPSTREAM_STATUS' && err.status >= 500) return 503;
  return err.status;
}
