// Who a request comes from, once its credentials are verified.
import type { Action } from './config.js';

export interface Identity {
  /** The subject rules name: a user, a token's name, or what a JWT's claims map to. */
  subject: string;
  groups: readonly string[];
  /** How it was proven, for the audit log. */
  via: 'password' | 'token' | 'jwt' | 'session';
  /** The most it may do whatever the rules say (static tokens), else every action. */
  scopes?: readonly Action[];
  /** What an ecosystem sealed into the session token with it (OCI passthrough grants). */
  extra?: string;
}

/** The subject of requests without credentials. */
export const ANONYMOUS = 'anonymous';
