// What an instance has cached, a page at a time: a search becomes a range of the index's keys,
// read in key order from a cursor (the last key shown), so a page costs the same with a million
// entries as with ten.
import type { CacheIndex, IndexEntry } from '../index/cache-index.js';
import type { EntryBrowser, EntryLabel } from './entry-browser.js';

export interface BrowseRow {
  entry: IndexEntry;
  label: EntryLabel;
}

export interface BrowsePage {
  rows: BrowseRow[];
  /** The cursor of the next page; null on the last one. */
  next: string | null;
}

const BATCH = 200;
/** Index pages read for one UI page at most (entries the browser leaves out are skipped). */
const ROUNDS = 10;

/** The key range a search covers in an instance. */
export const searchPrefix = (instance: string, browser: EntryBrowser, query: string): string =>
  `${instance}/${browser.prefix(query)}`;

export async function browse(
  index: Pick<CacheIndex, 'entriesPage'>,
  instance: string,
  browser: EntryBrowser,
  query: string,
  after: string,
  limit: number,
): Promise<BrowsePage> {
  const prefix = searchPrefix(instance, browser, query);
  const rows: BrowseRow[] = [];
  let cursor = after.startsWith(`${instance}/`) ? after : '';
  for (let round = 0; round < ROUNDS; round++) {
    const batch = await index.entriesPage(prefix, cursor, BATCH);
    for (const entry of batch) {
      cursor = entry.key;
      const label = browser.label(entry.key.slice(instance.length + 1));
      if (!label) continue;
      rows.push({ entry, label });
      if (rows.length === limit) return { rows, next: entry.key };
    }
    if (batch.length < BATCH) return { rows, next: null };
  }
  return { rows, next: cursor };
}
