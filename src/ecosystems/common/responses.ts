// Error bodies in text/plain, as the Go proxy protocol and plain-file clients expect.
import type { TroveError } from '../../errors.js';
import type { SyntheticResponse } from '../ecosystem.js';

export function textError(err: TroveError): SyntheticResponse {
  return {
    status: err.status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-trove-error': err.code },
    body: `${err.message}\n`,
  };
}
