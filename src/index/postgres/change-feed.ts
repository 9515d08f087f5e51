// Index changes between replicas, over PostgreSQL LISTEN/NOTIFY: each replica's read-through
// cache (CachedIndex) forgets what another replica changed, as cluster workers do over IPC.
// Notifications sent while this replica's listening connection was down are lost, so after
// every (re)connection the cache forgets everything (`onGap`).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { IndexChange } from '../cached-index.js';

const CHANNEL = 'trove_index_changes';
/** NOTIFY payloads must stay under 8000 bytes; keys are split over several below this. */
const MAX_PAYLOAD = 7000;

export interface ChangeFeedOptions {
  /** Where the listening connection goes (a session of its own). */
  url: string;
  ca?: string;
  /** Runs one statement on the index's pool (notifications are sent through it). */
  send(text: string, values: unknown[]): Promise<unknown>;
  /** Another replica changed these entries. */
  onChange(change: IndexChange): void;
  /** Changes may have been missed. */
  onGap(): void;
  /** Called when a working listening connection fails (it is retried every second). */
  onError?(err: Error): void;
}

interface Wire {
  o: string;
  c: IndexChange;
}

/** Splits a change so every payload fits in one notification. */
export function payloads(origin: string, change: IndexChange): string[] {
  const whole = JSON.stringify({ o: origin, c: change } satisfies Wire);
  if (whole.length <= MAX_PAYLOAD || !('keys' in change)) return [whole];
  const out: string[] = [];
  let batch: string[] = [];
  let size = 0;
  for (const key of change.keys) {
    const cost = JSON.stringify(key).length + 1;
    if (batch.length && size + cost > MAX_PAYLOAD - 64) {
      out.push(JSON.stringify({ o: origin, c: { keys: batch } } satisfies Wire));
      batch = [];
      size = 0;
    }
    batch.push(key);
    size += cost;
  }
  if (batch.length) out.push(JSON.stringify({ o: origin, c: { keys: batch } } satisfies Wire));
  return out;
}

export class PgChangeFeed {
  readonly #o: ChangeFeedOptions;
  readonly #origin = randomBytes(8).toString('hex');
  #listener: pg.Client | null = null;
  #closed = false;
  /** Whether the last connection got as far as LISTEN (a retry loop reports once). */
  #up = false;
  #retry: NodeJS.Timeout | null = null;

  constructor(options: ChangeFeedOptions) {
    this.#o = options;
  }

  /** Starts listening; resolves once the first connection is up (or has failed once). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({
      connectionString: this.#o.url,
      application_name: 'trove-listen',
      ...(this.#o.ca ? { ssl: { ca: this.#o.ca } } : {}),
    });
    const lost = (err: Error): void => {
      if (this.#listener !== client) return;
      this.#listener = null;
      client.end().catch(() => undefined);
      if (this.#up) this.#o.onError?.(err);
      this.#up = false;
      this.#later();
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('listening connection ended')));
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      try {
        const wire = JSON.parse(n.payload) as Wire;
        if (wire.o !== this.#origin) this.#o.onChange(wire.c);
      } catch {
        this.#o.onGap();
      }
    });
    try {
      this.#listener = client;
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.#up = true;
      // Whatever changed before LISTEN took effect was not heard.
      this.#o.onGap();
    } catch (err) {
      lost(err as Error);
    }
  }

  #later(): void {
    if (this.#closed || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.#connect();
    }, 1000);
    this.#retry.unref();
  }

  /**
   * Tells the other replicas. A lost notification leaves their cached copy until it is written
   * again or pushed out; the entry's own freshness rules still apply to it.
   */
  publish(change: IndexChange): void {
    if (this.#closed) return;
    for (const payload of payloads(this.#origin, change)) {
      this.#o.send('SELECT pg_notify($1, $2)', [CHANNEL, payload]).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    const l = this.#listener;
    this.#listener = null;
    await l?.end().catch(() => undefined);
  }
}
