// One base error with stable, prefixed codes and the HTTP status each maps to.
// Every code here is documented in docs/errors.md; test/unit/errors.test.ts enforces it.

export const ERROR_CODES = {
  TROVE_ERR_CONFIG: { status: 500, title: 'Invalid configuration' },
  TROVE_ERR_BAD_PATH: { status: 400, title: 'Malformed or unsafe request path' },
  TROVE_ERR_METHOD: { status: 405, title: 'Method not allowed' },
  TROVE_ERR_NO_ROUTE: { status: 404, title: 'No instance serves this host and path' },
  TROVE_ERR_NOT_FOUND: { status: 404, title: 'Not found upstream' },
  TROVE_ERR_OFFLINE_MISS: { status: 504, title: 'Offline and not cached' },
  TROVE_ERR_UPSTREAM_CONNECT: { status: 502, title: 'Could not connect to any upstream' },
  TROVE_ERR_UPSTREAM_TIMEOUT: { status: 504, title: 'Upstream timed out' },
  TROVE_ERR_UPSTREAM_STATUS: { status: 502, title: 'Upstream answered with an error' },
  TROVE_ERR_UPSTREAM_RATE_LIMIT: { status: 503, title: 'Upstream is rate-limiting' },
  TROVE_ERR_UPSTREAM_BODY: { status: 502, title: 'Upstream body was cut short or malformed' },
  TROVE_ERR_VERIFY: { status: 502, title: 'Artifact failed verification' },
  TROVE_ERR_TOO_LARGE: { status: 502, title: 'Artifact exceeds the size limit' },
  TROVE_ERR_STORAGE: { status: 500, title: 'Storage failure' },
  TROVE_ERR_STORAGE_FULL: { status: 507, title: 'Storage is full' },
  TROVE_ERR_INDEX: { status: 503, title: 'The cache index failed' },
  TROVE_ERR_CORRUPT: { status: 500, title: 'A cached blob does not match its digest' },
  TROVE_ERR_BAD_REQUEST: { status: 400, title: 'Malformed or ambiguous request' },
  TROVE_ERR_BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  TROVE_ERR_NAME: { status: 400, title: 'Invalid package name' },
  TROVE_ERR_UNAUTHORIZED: { status: 401, title: 'Authentication required' },
  TROVE_ERR_FORBIDDEN: { status: 403, title: 'Access denied by the access rules' },
  TROVE_ERR_FETCH_DENIED: { status: 403, title: 'Not cached, and this client may not fetch' },
  TROVE_ERR_AUTH_LIMITED: { status: 429, title: 'Too many failed credential checks' },
  TROVE_ERR_SHUTTING_DOWN: { status: 503, title: 'Server is shutting down' },
  TROVE_ERR_FILL_LOST: { status: 502, title: 'The process filling this object stopped' },
  TROVE_ERR_INTERNAL: { status: 500, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TroveError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TroveError';
    this.code = code;
    this.status = options?.status ?? ERROR_CODES[code].status;
  }
}

export function isTroveError(err: unknown): err is TroveError {
  return err instanceof TroveError;
}

/** Wraps anything thrown into a TroveError, keeping the original as the cause. */
export function toTroveError(err: unknown, fallback: ErrorCode = 'TROVE_ERR_INTERNAL'): TroveError {
  if (err instanceof TroveError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TroveError(fallback, message, { cause: err });
}
