// SQLite schema migrations, applied in order and tracked with PRAGMA user_version.
// `blob_refs` counts entries per digest; `totals.bytes` sums the sizes of referenced blobs.
// Triggers keep both exact inside the same transaction as the entry change, and keep the blob
// deletion queue (`doomed_blobs`, see ../doomed.ts): a digest's last reference going dooms it,
// unless a commit claimed it; a reference coming back takes it off the queue.

/** The database clock in milliseconds since the epoch. */
export const NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE entries (
    key TEXT PRIMARY KEY,
    instance TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'negative')),
    digest TEXT,
    size INTEGER NOT NULL,
    upstream_status INTEGER NOT NULL,
    headers TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_access INTEGER NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0,
    expire_after INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX entries_lru ON entries (status, last_access);
  CREATE INDEX entries_digest ON entries (digest);
  CREATE INDEX entries_expire ON entries (last_access) WHERE expire_after IS NOT NULL;

  CREATE TABLE blob_refs (digest TEXT PRIMARY KEY, size INTEGER NOT NULL, refs INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE totals (id INTEGER PRIMARY KEY CHECK (id = 1), bytes INTEGER NOT NULL);
  INSERT INTO totals (id, bytes) VALUES (1, 0);

  CREATE TRIGGER entries_ai AFTER INSERT ON entries WHEN NEW.digest IS NOT NULL BEGIN
    UPDATE totals SET bytes = bytes + NEW.size
      WHERE id = 1 AND NOT EXISTS (SELECT 1 FROM blob_refs WHERE digest = NEW.digest);
    INSERT INTO blob_refs (digest, size, refs) VALUES (NEW.digest, NEW.size, 1)
      ON CONFLICT(digest) DO UPDATE SET refs = refs + 1;
  END;
  CREATE TRIGGER entries_ad AFTER DELETE ON entries WHEN OLD.digest IS NOT NULL BEGIN
    UPDATE blob_refs SET refs = refs - 1 WHERE digest = OLD.digest;
    UPDATE totals SET bytes = bytes - OLD.size
      WHERE id = 1 AND (SELECT refs FROM blob_refs WHERE digest = OLD.digest) = 0;
    DELETE FROM blob_refs WHERE digest = OLD.digest AND refs = 0;
  END;
  CREATE TRIGGER entries_au AFTER UPDATE OF digest, size ON entries BEGIN
    UPDATE blob_refs SET refs = refs - 1 WHERE OLD.digest IS NOT NULL AND digest = OLD.digest;
    UPDATE totals SET bytes = bytes - OLD.size
      WHERE id = 1 AND OLD.digest IS NOT NULL
        AND (SELECT refs FROM blob_refs WHERE digest = OLD.digest) = 0;
    DELETE FROM blob_refs WHERE OLD.digest IS NOT NULL AND digest = OLD.digest AND refs = 0;
    UPDATE totals SET bytes = bytes + NEW.size
      WHERE id = 1 AND NEW.digest IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM blob_refs WHERE digest = NEW.digest);
    INSERT INTO blob_refs (digest, size, refs) SELECT NEW.digest, NEW.size, 1
      WHERE NEW.digest IS NOT NULL
      ON CONFLICT(digest) DO UPDATE SET refs = refs + 1;
  END;

  CREATE TABLE counters (
    instance TEXT NOT NULL,
    result TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (instance, result)
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE probe (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL);
  `,
  `
  CREATE TABLE records (
    ns TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (ns, key)
  ) WITHOUT ROWID;
  `,
  `
  CREATE INDEX records_by_time ON records (ns, updated_at, key);
  `,
  `
  CREATE TABLE doomed_blobs (
    digest TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('doomed', 'claimed', 'reaping')),
    since INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX doomed_by_time ON doomed_blobs (since);

  DROP TRIGGER entries_ai;
  DROP TRIGGER entries_ad;
  DROP TRIGGER entries_au;
  CREATE TRIGGER entries_ai AFTER INSERT ON entries WHEN NEW.digest IS NOT NULL BEGIN
    UPDATE totals SET bytes = bytes + NEW.size
      WHERE id = 1 AND NOT EXISTS (SELECT 1 FROM blob_refs WHERE digest = NEW.digest);
    INSERT INTO blob_refs (digest, size, refs) VALUES (NEW.digest, NEW.size, 1)
      ON CONFLICT(digest) DO UPDATE SET refs = refs + 1;
    DELETE FROM doomed_blobs WHERE digest = NEW.digest;
  END;
  CREATE TRIGGER entries_ad AFTER DELETE ON entries WHEN OLD.digest IS NOT NULL BEGIN
    UPDATE blob_refs SET refs = refs - 1 WHERE digest = OLD.digest;
    UPDATE totals SET bytes = bytes - OLD.size
      WHERE id = 1 AND (SELECT refs FROM blob_refs WHERE digest = OLD.digest) = 0;
    DELETE FROM blob_refs WHERE digest = OLD.digest AND refs = 0;
    INSERT INTO doomed_blobs (digest, size, state, since)
      SELECT OLD.digest, OLD.size, 'doomed', ${NOW_MS}
      WHERE NOT EXISTS (SELECT 1 FROM blob_refs WHERE digest = OLD.digest)
      ON CONFLICT(digest) DO UPDATE SET since = excluded.since WHERE state = 'doomed';
  END;
  CREATE TRIGGER entries_au AFTER UPDATE OF digest, size ON entries BEGIN
    UPDATE blob_refs SET refs = refs - 1 WHERE OLD.digest IS NOT NULL AND digest = OLD.digest;
    UPDATE totals SET bytes = bytes - OLD.size
      WHERE id = 1 AND OLD.digest IS NOT NULL
        AND (SELECT refs FROM blob_refs WHERE digest = OLD.digest) = 0;
    DELETE FROM blob_refs WHERE OLD.digest IS NOT NULL AND digest = OLD.digest AND refs = 0;
    INSERT INTO doomed_blobs (digest, size, state, since)
      SELECT OLD.digest, OLD.size, 'doomed', ${NOW_MS}
      WHERE OLD.digest IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM blob_refs WHERE digest = OLD.digest)
      ON CONFLICT(digest) DO UPDATE SET since = excluded.since WHERE state = 'doomed';
    UPDATE totals SET bytes = bytes + NEW.size
      WHERE id = 1 AND NEW.digest IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM blob_refs WHERE digest = NEW.digest);
    INSERT INTO blob_refs (digest, size, refs) SELECT NEW.digest, NEW.size, 1
      WHERE NEW.digest IS NOT NULL
      ON CONFLICT(digest) DO UPDATE SET refs = refs + 1;
    DELETE FROM doomed_blobs WHERE NEW.digest IS NOT NULL AND digest = NEW.digest;
  END;
  `,
];
