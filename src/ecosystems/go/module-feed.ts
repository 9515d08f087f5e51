// A feed of the module versions Trove has cached, for a private pkgsite or a mirror to follow:
// `/index?since=<RFC3339>&limit=N` in index.golang.org's format (newline-delimited JSON
// `{Path, Version, Timestamp}`, oldest first, `since` inclusive), and `/catalog?token=&pagesize=`
// in Athens's (`{"modules":[{module, version}], "next": token}`, by module path). Both read a
// page of the index's records, never a scan.
import type { Logger } from 'pino';
import type { Decision, RecordStore } from '../ecosystem.js';
import { textResponse } from './responses.js';

const INDEX_LIMIT = 2000;
const CATALOG_LIMIT = 1000;
/** Versions already noted in this process, so a busy module costs no index reads. */
const MAX_NOTED = 50_000;

interface Noted {
  path: string;
  version: string;
}

function json(body: string): Decision {
  return {
    kind: 'response',
    response: {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body,
    },
  };
}

/** A positive count from the query, at most `max`; `fallback` when absent; null when invalid. */
function count(raw: string | null, fallback: number, max: number): number | null {
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? Math.min(n, max) : null;
}

export class ModuleFeed {
  readonly #records: RecordStore;
  readonly #log: Logger;
  readonly #noted = new Set<string>();

  constructor(records: RecordStore, log: Logger) {
    this.#records = records;
    this.#log = log;
  }

  /** Notes module@version once a file of it is cached; the first time keeps its timestamp. */
  note(path: string, version: string): void {
    const key = `${path}@${version}`;
    if (this.#noted.has(key)) return;
    if (this.#noted.size >= MAX_NOTED) this.#noted.clear();
    this.#noted.add(key);
    void (async () => {
      if ((await this.#records.get(key)) !== undefined) return;
      const value: Noted = { path, version };
      await this.#records.put(key, value);
    })().catch((err: unknown) => this.#log.warn({ err, key }, 'module version not recorded'));
  }

  async index(query: URLSearchParams): Promise<Decision> {
    const sinceRaw = query.get('since');
    const since = sinceRaw ? Date.parse(sinceRaw) : 0;
    if (Number.isNaN(since)) return textResponse(400, `bad since: ${sinceRaw} is not RFC 3339`);
    const limit = count(query.get('limit'), INDEX_LIMIT, INDEX_LIMIT);
    if (limit === null) return textResponse(400, 'bad limit: want a positive integer');
    const rows = await this.#records.page({ by: 'time', since, limit });
    const lines = rows.map((r) => {
      const v = r.value as Noted;
      const at = new Date(r.updatedAt).toISOString();
      return `${JSON.stringify({ Path: v.path, Version: v.version, Timestamp: at })}\n`;
    });
    return json(lines.join(''));
  }

  async catalog(query: URLSearchParams): Promise<Decision> {
    const size = count(query.get('pagesize'), CATALOG_LIMIT, CATALOG_LIMIT);
    if (size === null) return textResponse(400, 'bad pagesize: want a positive integer');
    const rows = await this.#records.page({
      by: 'key',
      after: query.get('token') ?? '',
      limit: size,
    });
    const modules = rows.map((r) => {
      const v = r.value as Noted;
      return { module: v.path, version: v.version };
    });
    const last = rows[rows.length - 1];
    const next = rows.length === size && last ? last.key : '';
    return json(`${JSON.stringify({ modules, next })}\n`);
  }
}
