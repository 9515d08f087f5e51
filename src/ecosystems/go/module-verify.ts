// Verifies a module's .mod or .zip against the checksum database before it is cached, as the
// go command would: a mismatch, or a module the database does not know, is refused. What the
// check needs is read before the upstream is asked for the body.
import type { BodyView } from '../../engine/types.js';
import { TroveError, toTroveError } from '../../errors.js';
import { hashGoMod, hashZip } from './dirhash.js';
import type { SumdbVerifier } from './sumdb/verifier.js';

/**
 * Reads what verification needs (the lookup record and its tiles) before a fill asks the
 * upstream for anything, so an unreachable or refusing database is a clear 502 rather than a
 * large zip cut one byte short after it streamed. The record is then cached for the check.
 */
export function verificationFirst(
  verifier: SumdbVerifier,
  module: string,
  version: string,
): () => Promise<Record<string, never>> {
  return async () => {
    try {
      await verifier.hashes(module, version);
    } catch (err) {
      const e = toTroveError(err);
      if (e.code === 'TROVE_ERR_VERIFY') throw e;
      throw new TroveError(
        'TROVE_ERR_UPSTREAM_STATUS',
        `${module}@${version}: checksum database ${verifier.name} could not be read, so the module was not fetched: ${e.message}`,
      );
    }
    return {};
  };
}

export function moduleCheck(
  verifier: SumdbVerifier,
  kind: 'mod' | 'zip',
  module: string,
  version: string,
): (body: BodyView) => Promise<void> {
  const what = `${module}@${version}${kind === 'mod' ? '/go.mod' : ''}`;
  return async (body) => {
    const want = (await verifier.hashes(module, version))[kind];
    if (!want) {
      throw new TroveError('TROVE_ERR_VERIFY', `${what}: no hash in ${verifier.name}`);
    }
    let got: string;
    try {
      got = kind === 'zip' ? await hashZip(body) : hashGoMod(await body.read(0, body.size));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new TroveError('TROVE_ERR_VERIFY', `${what}: not a valid module zip (${why})`);
    }
    if (got !== want) {
      throw new TroveError(
        'TROVE_ERR_VERIFY',
        `${what}: checksum mismatch: upstream sent ${got}, ${verifier.name} has ${want}; refused`,
      );
    }
  };
}
