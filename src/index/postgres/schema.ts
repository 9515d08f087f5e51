// PostgreSQL schema migrations, applied in order at start (one replica at a time, under a
// transaction-scoped advisory lock) and tracked in trove_schema.
// `blob_refs` counts entries per digest and `totals.bytes` sums the sizes of referenced blobs.
// Row triggers keep both exact in the entry change's own transaction. They use the row that
// INSERT … ON CONFLICT or UPDATE … RETURNING locks, never a separate existence check, so two
// replicas adding the first entry for one digest at once count its bytes once.
// They also keep the blob deletion queue (`doomed_blobs`, see ../doomed.ts): a digest's last
// reference going dooms it unless a commit claimed it; a reference coming back takes it off.
// `fill_leases` says which replica fills a key now (see src/replicas/lease-store.ts).
// Keys sort by bytes (COLLATE "C"), as in SQLite, so cursors page the same on every driver.

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE entries (
    key text COLLATE "C" PRIMARY KEY,
    instance text NOT NULL,
    status text NOT NULL CHECK (status IN ('ok', 'negative')),
    digest text,
    size bigint NOT NULL,
    upstream_status integer NOT NULL,
    headers text NOT NULL,
    fetched_at bigint NOT NULL,
    etag text,
    last_modified text,
    last_access bigint NOT NULL,
    hits bigint NOT NULL DEFAULT 0,
    expire_after bigint
  );
  CREATE INDEX entries_lru ON entries (status, last_access);
  CREATE INDEX entries_digest ON entries (digest);
  CREATE INDEX entries_expire ON entries (last_access) WHERE expire_after IS NOT NULL;

  CREATE TABLE blob_refs (digest text COLLATE "C" PRIMARY KEY, size bigint NOT NULL, refs bigint NOT NULL);
  CREATE TABLE totals (id integer PRIMARY KEY CHECK (id = 1), bytes bigint NOT NULL);
  INSERT INTO totals (id, bytes) VALUES (1, 0);

  CREATE FUNCTION trove_ref(d text, s bigint) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE fresh boolean;
  BEGIN
    IF d IS NULL THEN RETURN; END IF;
    INSERT INTO blob_refs AS b (digest, size, refs) VALUES (d, s, 1)
      ON CONFLICT (digest) DO UPDATE SET refs = b.refs + 1
      RETURNING (xmax = 0) INTO fresh;
    IF fresh THEN UPDATE totals SET bytes = bytes + s WHERE id = 1; END IF;
  END $$;

  CREATE FUNCTION trove_unref(d text) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE left_refs bigint; freed bigint;
  BEGIN
    IF d IS NULL THEN RETURN; END IF;
    UPDATE blob_refs SET refs = refs - 1 WHERE digest = d RETURNING refs, size
      INTO left_refs, freed;
    IF left_refs = 0 THEN
      DELETE FROM blob_refs WHERE digest = d;
      UPDATE totals SET bytes = bytes - freed WHERE id = 1;
    END IF;
  END $$;

  CREATE FUNCTION trove_entries_refs() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN PERFORM trove_unref(OLD.digest); END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM trove_ref(NEW.digest, NEW.size); END IF;
    RETURN NULL;
  END $$;

  CREATE TRIGGER entries_refs_ins AFTER INSERT OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION trove_entries_refs();
  CREATE TRIGGER entries_refs_upd AFTER UPDATE OF digest, size ON entries
    FOR EACH ROW WHEN (OLD.digest IS DISTINCT FROM NEW.digest OR OLD.size <> NEW.size)
    EXECUTE FUNCTION trove_entries_refs();

  CREATE TABLE counters (
    instance text NOT NULL,
    result text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (instance, result)
  );

  CREATE TABLE probe (id integer PRIMARY KEY CHECK (id = 1), at bigint NOT NULL);

  CREATE TABLE records (
    ns text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    value text NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (ns, key)
  );
  CREATE INDEX records_by_time ON records (ns, updated_at, key);
  `,
  `
  CREATE TABLE fill_leases (
    key text COLLATE "C" PRIMARY KEY,
    owner text NOT NULL,
    owner_addr text,
    generation bigint NOT NULL DEFAULT 1,
    expires_at timestamptz NOT NULL
  );
  `,
  `
  CREATE FUNCTION trove_now_ms() RETURNS bigint LANGUAGE sql VOLATILE AS
    $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

  CREATE TABLE doomed_blobs (
    digest text COLLATE "C" PRIMARY KEY,
    size bigint NOT NULL,
    state text NOT NULL CHECK (state IN ('doomed', 'claimed', 'reaping')),
    since bigint NOT NULL
  );
  CREATE INDEX doomed_by_time ON doomed_blobs (since);

  CREATE OR REPLACE FUNCTION trove_ref(d text, s bigint) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE fresh boolean;
  BEGIN
    IF d IS NULL THEN RETURN; END IF;
    INSERT INTO blob_refs AS b (digest, size, refs) VALUES (d, s, 1)
      ON CONFLICT (digest) DO UPDATE SET refs = b.refs + 1
      RETURNING (xmax = 0) INTO fresh;
    IF fresh THEN UPDATE totals SET bytes = bytes + s WHERE id = 1; END IF;
    DELETE FROM doomed_blobs WHERE digest = d;
  END $$;

  CREATE OR REPLACE FUNCTION trove_unref(d text) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE left_refs bigint; freed bigint;
  BEGIN
    IF d IS NULL THEN RETURN; END IF;
    UPDATE blob_refs SET refs = refs - 1 WHERE digest = d RETURNING refs, size
      INTO left_refs, freed;
    IF left_refs = 0 THEN
      DELETE FROM blob_refs WHERE digest = d;
      UPDATE totals SET bytes = bytes - freed WHERE id = 1;
      INSERT INTO doomed_blobs AS q (digest, size, state, since)
        VALUES (d, freed, 'doomed', trove_now_ms())
        ON CONFLICT (digest) DO UPDATE SET since = EXCLUDED.since WHERE q.state = 'doomed';
    END IF;
  END $$;
  `,
];
