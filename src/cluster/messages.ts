// The IPC messages between the primary and its workers (node:cluster). Every Trove message
// carries `trove: 1`, so prom-client's own messages on the same channel are told apart.
import { TroveError, type ErrorCode } from '../errors.js';
import type { FillOutcome } from '../engine/fill.js';
import type { IndexChange } from '../index/cached-index.js';

export interface WireError {
  code: ErrorCode;
  message: string;
  status: number;
}

export type WireOutcome =
  Exclude<FillOutcome, { kind: 'error' }> | { kind: 'error'; error: WireError };

/** What a fill's owner tells the workers that joined it. */
export interface FillSnapshot {
  /** The spool file the body is written to (readable by name while the fill runs). */
  spool: string | null;
  outcome: WireOutcome | null;
  received: number;
  /** Bytes a reader may send: on disk, and short of the last byte until verified. */
  avail: number;
  done: boolean;
  error: WireError | null;
  uncommitted: WireError | null;
  /** The last snapshot: committed, failed, or given back. */
  settled: boolean;
}

/** A snapshot with nothing received yet, and `over` on top. */
export function snapshot(over: Partial<FillSnapshot> = {}): FillSnapshot {
  return {
    spool: null,
    outcome: null,
    received: 0,
    avail: 0,
    done: false,
    error: null,
    uncommitted: null,
    settled: false,
    ...over,
  };
}

/** Something one worker tells all the others (a client's generation pin). */
export interface News {
  trove: 1;
  t: 'news';
  channel: string;
  value: unknown;
}

export type ToPrimary =
  | { trove: 1; t: 'claim'; id: number; key: string }
  | { trove: 1; t: 'state'; key: string; snap: FillSnapshot }
  | { trove: 1; t: 'invalidate'; change: IndexChange }
  | News
  | { trove: 1; t: 'metrics'; id: number }
  /** The worker is serving: the primary may hand it connections. */
  | { trove: 1; t: 'ready' }
  /** The worker has connection `id`; the primary closes its own copy. */
  | { trove: 1; t: 'took'; id: number };

export type ToWorker =
  | { trove: 1; t: 'claimed'; id: number; own: boolean }
  | { trove: 1; t: 'watch'; key: string }
  | { trove: 1; t: 'state'; key: string; snap: FillSnapshot }
  | { trove: 1; t: 'invalidate'; change: IndexChange }
  | News
  | { trove: 1; t: 'metrics'; id: number; text: string | null; contentType: string }
  | { trove: 1; t: 'shutdown' }
  /** A connection accepted by the primary on listener `listener` (the socket rides along). */
  | { trove: 1; t: 'conn'; listener: number; id: number };

export function isTroveMessage<T extends { trove: 1 }>(m: unknown): m is T {
  return typeof m === 'object' && m !== null && (m as { trove?: unknown }).trove === 1;
}

export function toWire(err: TroveError): WireError {
  return { code: err.code, message: err.message, status: err.status };
}

export function fromWire(err: WireError): TroveError {
  return new TroveError(err.code, err.message, { status: err.status });
}

export function outcomeToWire(o: FillOutcome): WireOutcome {
  return o.kind === 'error' ? { kind: 'error', error: toWire(o.error) } : o;
}

export function outcomeFromWire(o: WireOutcome): FillOutcome {
  return o.kind === 'error' ? { kind: 'error', error: fromWire(o.error) } : o;
}
