// Registry answers: the JSON error format (distribution spec, "Error Codes") and small
// synthetic responses, always with the API version header clients look for.
import type { TroveError } from '../../errors.js';
import type { Decision, SyntheticResponse } from '../ecosystem.js';

export const API_VERSION = { 'docker-distribution-api-version': 'registry/2.0' };

/** Trove error codes in the registry's own vocabulary. */
const CODES: Record<string, string> = {
  TROVE_ERR_NOT_FOUND: 'MANIFEST_UNKNOWN',
  TROVE_ERR_OFFLINE_MISS: 'UNAVAILABLE',
  TROVE_ERR_METHOD: 'UNSUPPORTED',
  TROVE_ERR_BAD_PATH: 'NAME_INVALID',
  TROVE_ERR_VERIFY: 'DIGEST_INVALID',
  TROVE_ERR_UNAUTHORIZED: 'UNAUTHORIZED',
};

export function jsonError(
  status: number,
  code: string,
  message: string,
  detail?: unknown,
  headers: Record<string, string> = {},
): SyntheticResponse {
  const body = JSON.stringify({ errors: [{ code, message, detail: detail ?? null }] });
  return {
    status,
    headers: { 'content-type': 'application/json', ...API_VERSION, ...headers },
    body: `${body}\n`,
  };
}

export function errorDecision(
  status: number,
  code: string,
  message: string,
  detail?: unknown,
): Decision {
  return { kind: 'response', response: jsonError(status, code, message, detail) };
}

/** What a request adds to its errors: the 404 code for its endpoint, a 401's challenge. */
export interface ErrorContext {
  unknown?: string;
  challenge?: string;
}

export function formatOciError(err: TroveError, ctx: ErrorContext = {}): SyntheticResponse {
  const code =
    (err.code === 'TROVE_ERR_NOT_FOUND' ? ctx.unknown : undefined) ??
    CODES[err.code] ??
    (err.status === 401
      ? 'UNAUTHORIZED'
      : err.status === 403
        ? 'DENIED'
        : err.status === 429
          ? 'TOOMANYREQUESTS'
          : 'UNAVAILABLE');
  const challenge =
    err.status === 401 && ctx.challenge ? { 'www-authenticate': ctx.challenge } : undefined;
  return jsonError(err.status, code, err.message, undefined, {
    'x-trove-error': err.code,
    ...challenge,
  });
}
