// Maps filesystem and blob-store failures to Trove errors: a full disk or quota is
// TROVE_ERR_STORAGE_FULL (507), anything else TROVE_ERR_STORAGE, naming what failed.
import { TroveError } from '../errors.js';

const FULL = new Set(['ENOSPC', 'EDQUOT']);

export function storageError(err: unknown, what: string): TroveError {
  if (err instanceof TroveError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code && FULL.has(code)) {
    return new TroveError('TROVE_ERR_STORAGE_FULL', `${what}: no space left (${code})`, {
      cause: err,
    });
  }
  const why = code ?? (err instanceof Error ? err.message : String(err));
  return new TroveError('TROVE_ERR_STORAGE', `${what} failed: ${why}`, { cause: err });
}
