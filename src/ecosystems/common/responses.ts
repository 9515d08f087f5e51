// Protocol-neutral error bodies: text/plain (as the Go proxy protocol wants) or JSON.
import type { TroveError } from '../../errors.js';
import type { SyntheticResponse } from '../ecosystem.js';

export function textError(err: TroveError): SyntheticResponse {
  return {
    status: err.status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-trove-error': err.code },
    body: `${err.message}\n`,
  };
}

export function jsonError(err: TroveError): SyntheticResponse {
  return {
    status: err.status,
    headers: { 'content-type': 'application/json', 'x-trove-error': err.code },
    body: JSON.stringify({ error: err.message, code: err.code }),
  };
}
