// Sealed tokens: a value encrypted and authenticated with AES-256-GCM under a key every worker
// and replica shares (app/secret-key.ts), so a token can be neither read nor forged by its
// holder, and opens anywhere in the cluster until it expires.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV = 12;
const TAG = 16;

export class Sealer<T extends { expires: number }> {
  readonly #key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.#key = key;
  }

  seal(value: T): string {
    const iv = randomBytes(IV);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The value inside a token, or null when it is not one of ours or has expired. */
  open(token: string, now = Date.now()): T | null {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) return null;
    const raw = Buffer.from(token, 'base64url');
    if (raw.length <= IV + TAG) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV));
      decipher.setAuthTag(raw.subarray(IV, IV + TAG));
      const text = Buffer.concat([decipher.update(raw.subarray(IV + TAG)), decipher.final()]);
      const value = JSON.parse(text.toString('utf8')) as T;
      return value.expires > now ? value : null;
    } catch {
      return null;
    }
  }
}
