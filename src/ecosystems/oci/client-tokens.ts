// Tokens Trove's own realm hands to clients in passthrough mode. A token seals the client's
// upstream credential and the registries it was asked for (util/sealer.ts), so the credential
// is only ever forwarded to those registries and a token can be neither read nor forged.
import { Sealer } from '../../util/sealer.js';

export interface ClientGrant {
  /** The Authorization value to forward upstream ('' for an anonymous client). */
  authorization: string;
  /** Registries this credential may be sent to. */
  registries: string[];
  /** Expiry, in ms since the epoch. */
  expires: number;
}

export class ClientTokens extends Sealer<ClientGrant> {}
