// The key every process and replica sharing this cache derives its sealing keys from (OCI
// passthrough tokens), so a token one worker or replica issued opens on all of them and
// survives restarts. `server.secret_key` when set; else a random key the first process stores
// in the index (first writer wins) and every later one reads. Keys for each use are derived
// from it (HKDF-SHA256), so one purpose's key never serves another.
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CacheIndex } from '../index/cache-index.js';
import type { Secret } from '../config/types.js';

const NS = 'trove:secrets';

export async function masterKey(
  index: CacheIndex,
  configured: Secret | undefined,
  log: Logger,
): Promise<Buffer> {
  if (configured) return createHash('sha256').update(configured.reveal()).digest();
  try {
    const made = randomBytes(32).toString('hex');
    const stored = await index.createRecord(NS, 'master', made, Date.now());
    if (typeof stored.value === 'string' && /^[0-9a-f]{64}$/.test(stored.value)) {
      return Buffer.from(stored.value, 'hex');
    }
    log.error('the stored secret key is malformed; using a key of this process only');
  } catch (err) {
    log.warn(
      { err: (err as Error).message },
      'the index cannot keep the secret key; tokens this process issues work only here',
    );
  }
  return randomBytes(32);
}

/** A 32-byte key for one purpose. */
export function deriveKey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `trove ${purpose}`, 32));
}
