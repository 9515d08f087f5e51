// The blob deletion queue on PostgreSQL (see ../doomed.ts). Each change is one statement; a
// deletion is taken with FOR UPDATE SKIP LOCKED, so replicas reaping at once share the work.
import type pg from 'pg';
import { CLAIM_TTL_MS, REAPING_TTL_MS, type DoomedBlob } from '../doomed.js';

type Query = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<R[]>;

const REFERENCED = 'EXISTS (SELECT 1 FROM blob_refs r WHERE r.digest = q.digest)';

export class PgDoomedBlobs {
  constructor(private readonly q: Query) {}

  async claim(digest: string, size: number): Promise<boolean> {
    const rows = await this.q(
      `INSERT INTO doomed_blobs AS q (digest, size, state, since)
       VALUES ($1, $2, 'claimed', trove_now_ms())
       ON CONFLICT (digest) DO UPDATE SET state = 'claimed', since = EXCLUDED.since
       WHERE q.state <> 'reaping' OR q.since < EXCLUDED.since - $3
       RETURNING 1`,
      [digest, size, REAPING_TTL_MS],
    );
    return rows.length > 0;
  }

  async release(digest: string): Promise<void> {
    await this.q(
      `WITH gone AS (
         DELETE FROM doomed_blobs q WHERE digest = $1 AND state = 'claimed' AND ${REFERENCED}
         RETURNING 1)
       UPDATE doomed_blobs SET state = 'doomed', since = trove_now_ms()
       WHERE digest = $1 AND state = 'claimed' AND NOT EXISTS (SELECT 1 FROM gone)`,
      [digest],
    );
  }

  async condemn(digest: string, size: number): Promise<void> {
    await this.q(
      `INSERT INTO doomed_blobs (digest, size, state, since)
       SELECT $1, $2, 'doomed', trove_now_ms()
       WHERE NOT EXISTS (SELECT 1 FROM blob_refs WHERE digest = $1)
       ON CONFLICT (digest) DO NOTHING`,
      [digest, size],
    );
  }

  async take(graceMs: number, limit: number): Promise<DoomedBlob[]> {
    // A doomed row whose digest is referenced again, or an abandoned claim on a referenced
    // blob, only needs forgetting.
    await this.q(
      `DELETE FROM doomed_blobs q WHERE ${REFERENCED}
         AND (state = 'doomed' OR (state = 'claimed' AND since < trove_now_ms() - $1))`,
      [CLAIM_TTL_MS],
    );
    return this.q<DoomedBlob>(
      `UPDATE doomed_blobs b SET state = 'reaping', since = trove_now_ms()
       FROM (SELECT digest FROM doomed_blobs q
             WHERE ((state = 'doomed' AND since <= trove_now_ms() - $1)
                 OR (state = 'claimed' AND since < trove_now_ms() - $2)
                 OR (state = 'reaping' AND since < trove_now_ms() - $3))
               AND NOT ${REFERENCED}
             ORDER BY since LIMIT $4 FOR UPDATE SKIP LOCKED) due
       WHERE b.digest = due.digest
       RETURNING b.digest, b.size`,
      [graceMs, CLAIM_TTL_MS, REAPING_TTL_MS, limit],
    );
  }

  async forget(digests: string[]): Promise<void> {
    if (!digests.length) return;
    await this.q(`DELETE FROM doomed_blobs WHERE digest = ANY($1::text[]) AND state = 'reaping'`, [
      digests,
    ]);
  }
}
