// npm-style error bodies: JSON `{"error": "..."}`, which npm, pnpm and yarn print.
import type { TroveError } from '../../errors.js';
import type { SyntheticResponse } from '../ecosystem.js';

export function npmError(err: TroveError): SyntheticResponse {
  return {
    status: err.status,
    headers: { 'content-type': 'application/json', 'x-trove-error': err.code },
    body: `${JSON.stringify({ error: err.message })}\n`,
  };
}
