// npm-style error bodies: JSON `{"error": "..."}`, which npm, pnpm and yarn print. A registry
// that cannot be reached or fails (5xx) is a 503 here, as Verdaccio settled on after its
// 404-on-timeout bug (verdaccio/verdaccio#720, PR #1331, PR #5153): every npm client retries
// it. Timeouts stay 504; a refused body (checksum, malformed packument) stays 502.
import { TroveError } from '../../errors.js';
import type { SyntheticResponse } from '../ecosystem.js';

function statusFor(err: TroveError): number {
  if (err.code === 'TROVE_ERR_UPSTREAM_CONNECT') return 503;
  if (err.code === 'TROVE_ERR_UPSTREAM_STATUS' && err.status >= 500) return 503;
  return err.status;
}

export function npmError(err: TroveError): SyntheticResponse {
  return {
    status: statusFor(err),
    headers: { 'content-type': 'application/json', 'x-trove-error': err.code },
    body: `${JSON.stringify({ error: err.message })}\n`,
  };
}
