// The blob deletion queue on SQLite (see ../doomed.ts). Every change is one short transaction
// under the write lock, so processes sharing the file see each other's claims.
import type Database from 'better-sqlite3';
import { CLAIM_TTL_MS, REAPING_TTL_MS, type DoomedBlob } from '../doomed.js';
import { NOW_MS } from './schema.js';

const REFERENCED = 'EXISTS (SELECT 1 FROM blob_refs r WHERE r.digest = doomed_blobs.digest)';

export class SqliteDoomedBlobs {
  readonly #db: Database.Database;
  readonly #stmt;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#stmt = {
      claim: db.prepare<[string, number, number]>(
        `INSERT INTO doomed_blobs (digest, size, state, since) VALUES (?, ?, 'claimed', ${NOW_MS})
         ON CONFLICT(digest) DO UPDATE SET state = 'claimed', since = excluded.since
         WHERE state <> 'reaping' OR since < excluded.since - ?`,
      ),
      dropClaim: db.prepare<[string]>(
        `DELETE FROM doomed_blobs WHERE digest = ? AND state = 'claimed' AND ${REFERENCED}`,
      ),
      doomClaim: db.prepare<[string]>(
        `UPDATE doomed_blobs SET state = 'doomed', since = ${NOW_MS}
         WHERE digest = ? AND state = 'claimed'`,
      ),
      condemn: db.prepare<[string, number, string]>(
        `INSERT INTO doomed_blobs (digest, size, state, since)
         SELECT ?, ?, 'doomed', ${NOW_MS}
         WHERE NOT EXISTS (SELECT 1 FROM blob_refs WHERE digest = ?)
         ON CONFLICT(digest) DO NOTHING`,
      ),
      // A doomed row whose digest is referenced again (a race the triggers cannot see), or an
      // abandoned claim on a referenced blob, only needs forgetting.
      tidy: db.prepare<[number]>(
        `DELETE FROM doomed_blobs WHERE ${REFERENCED}
           AND (state = 'doomed' OR (state = 'claimed' AND since < ${NOW_MS} - ?))`,
      ),
      due: db.prepare<[number, number, number, number], DoomedBlob>(
        `SELECT digest, size FROM doomed_blobs
         WHERE ((state = 'doomed' AND since <= ${NOW_MS} - ?)
             OR (state = 'claimed' AND since < ${NOW_MS} - ?)
             OR (state = 'reaping' AND since < ${NOW_MS} - ?))
           AND NOT ${REFERENCED}
         ORDER BY since LIMIT ?`,
      ),
      take: db.prepare<[string]>(
        `UPDATE doomed_blobs SET state = 'reaping', since = ${NOW_MS} WHERE digest = ?`,
      ),
      forget: db.prepare<[string]>(
        `DELETE FROM doomed_blobs WHERE digest = ? AND state = 'reaping'`,
      ),
    };
  }

  claim(digest: string, size: number): boolean {
    return this.#stmt.claim.run(digest, size, REAPING_TTL_MS).changes > 0;
  }

  release(digest: string): void {
    this.#db
      .transaction(() => {
        if (this.#stmt.dropClaim.run(digest).changes === 0) this.#stmt.doomClaim.run(digest);
      })
      .immediate();
  }

  condemn(digest: string, size: number): void {
    this.#stmt.condemn.run(digest, size, digest);
  }

  take(graceMs: number, limit: number): DoomedBlob[] {
    return this.#db
      .transaction(() => {
        this.#stmt.tidy.run(CLAIM_TTL_MS);
        const due = this.#stmt.due.all(graceMs, CLAIM_TTL_MS, REAPING_TTL_MS, limit);
        for (const b of due) this.#stmt.take.run(b.digest);
        return due;
      })
      .immediate();
  }

  forget(digests: string[]): void {
    this.#db
      .transaction(() => {
        for (const d of digests) this.#stmt.forget.run(d);
      })
      .immediate();
  }
}
