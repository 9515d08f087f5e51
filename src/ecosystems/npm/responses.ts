// npm-style error bodies: JSON `{"error": "..."}`, which npm, pnpm and yarn print, with the
// upstream's unavailability as a 503 that every npm client retries.
import type { TroveError } from '../../errors.js';
import type { SyntheticResponse } from '../ecosystem.js';
import { retryableStatus } from '../common/responses.js';

export function npmError(err: TroveError): SyntheticResponse {
  return {
    status: retryableStatus(err),
    headers: { 'content-type': 'application/json', 'x-trove-error': err.code },
    body: `${JSON.stringify({ error: err.message })}\n`,
  };
}
