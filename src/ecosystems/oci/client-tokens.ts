// Tokens Trove's own realm hands to clients in passthrough mode. A token seals (AES-256-GCM,
// with a key shared by every worker and replica of the cache: app/secret-key.ts) the client's
// upstream credential and the registries it was asked for, so the credential is only ever
// forwarded to those registries and a token can be neither read nor forged. It opens on any
// worker or replica, until it expires.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface ClientGrant {
  /** The Authorization value to forward upstream ('' for an anonymous client). */
  authorization: string;
  /** Registries this credential may be sent to. */
  registries: string[];
  /** Expiry, in ms since the epoch. */
  expires: number;
}

const IV = 12;
const TAG = 16;

export class ClientTokens {
  readonly #key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.#key = key;
  }

  seal(grant: ClientGrant): string {
    const iv = randomBytes(IV);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(grant), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The grant inside a token, or null when it is not one of ours or has expired. */
  open(token: string, now = Date.now()): ClientGrant | null {
    const raw = Buffer.from(token, 'base64url');
    if (raw.length <= IV + TAG) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV));
      decipher.setAuthTag(raw.subarray(IV, IV + TAG));
      const text = Buffer.concat([decipher.update(raw.subarray(IV + TAG)), decipher.final()]);
      const grant = JSON.parse(text.toString('utf8')) as ClientGrant;
      return grant.expires > now ? grant : null;
    } catch {
      return null;
    }
  }
}
