// Maps transport failures to Trove errors: timeouts are 504, everything else 502.
import { TroveError } from '../errors.js';

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** Errors that mean "this upstream could not be reached": worth trying the next one. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'EPIPE',
]);

export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    if (code === 'UND_ERR_SOCKET' && !(e.cause instanceof Error)) return code;
    e = e.cause;
  }
  return undefined;
}

export function isConnectFailure(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && CONNECT_CODES.has(code);
}

export function transportError(err: unknown, where: string): TroveError {
  if (err instanceof TroveError) return err;
  const code = errorCode(err) ?? 'unknown';
  const message = err instanceof Error ? err.message : String(err);
  if (TIMEOUT_CODES.has(code)) {
    return new TroveError('TROVE_ERR_UPSTREAM_TIMEOUT', `${where}: ${message} (${code})`, {
      cause: err,
    });
  }
  if (CONNECT_CODES.has(code)) {
    return new TroveError('TROVE_ERR_UPSTREAM_CONNECT', `${where}: ${message} (${code})`, {
      cause: err,
    });
  }
  return new TroveError('TROVE_ERR_UPSTREAM_BODY', `${where}: ${message} (${code})`, {
    cause: err,
  });
}
