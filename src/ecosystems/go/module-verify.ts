// Verifies a module's .mod or .zip against the checksum database before it is cached, as the
// go command would: a mismatch, or a module the database does not know, is refused.
import type { BodyView } from '../../engine/types.js';
import { TroveError } from '../../errors.js';
import { hashGoMod, hashZip } from './dirhash.js';
import type { SumdbVerifier } from './sumdb/verifier.js';

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
