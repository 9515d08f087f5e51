// What the dashboard shows, per instance and for the store: the index's counters (shared by
// every worker and replica) and, from the merged metrics, bytes, fills and upstream errors.
// Gathered at most once per 2 s however many browsers poll.
import type { CacheIndex } from '../index/cache-index.js';
import { hitRatio } from '../observability/hit-ratio.js';
import { parsePrometheus, sumBy } from './prom-text.js';

export interface InstanceView {
  name: string;
  requests: number;
  hitRatio: number | null;
  objects: number;
  bytes: number;
  servedBytes: number;
  fetchedBytes: number;
  fillsInFlight: number;
  upstreamErrors: number;
  /** When the upstream last answered, and last failed (ms since the epoch), if ever. */
  lastAnswer: number | null;
  lastFailure: number | null;
  /** Seconds left of a back-off after a 429, the longest of its upstreams. */
  backoffSeconds: number;
  /** Linux repository roots by state (fresh, stale, failed…), when the instance has any. */
  roots: Record<string, number> | null;
}

export interface DashboardStats {
  at: number;
  store: { objects: number; bytes: number; maxBytes: number | null };
  instances: Record<string, InstanceView>;
}

export interface StatsDeps {
  index: Pick<CacheIndex, 'stats'>;
  /** Prometheus text of the whole process (or cluster); null when metrics are off. */
  metrics: (() => Promise<string>) | null;
  maxBytes: number | null;
  roots(): Array<{ instance: string; counts: Record<string, number> }>;
  instances: readonly string[];
}

const FRESH_MS = 2000;

export function dashboardStats(d: StatsDeps): () => Promise<DashboardStats> {
  let last: { at: number; value: Promise<DashboardStats> } | null = null;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > FRESH_MS) {
      const value = gather(d, now);
      last = { at: now, value };
      value.catch(() => (last = null));
    }
    return last.value;
  };
}

async function gather(d: StatsDeps, at: number): Promise<DashboardStats> {
  const [stats, text] = await Promise.all([
    d.index.stats(),
    d.metrics ? d.metrics() : Promise.resolve(''),
  ]);
  const samples = parsePrometheus(text);
  const served = sumBy(samples, 'trove_served_bytes_total', 'instance');
  const fetched = sumBy(samples, 'trove_upstream_fetched_bytes_total', 'instance');
  const fills = sumBy(samples, 'trove_fills_in_flight', 'instance');
  const errors = sumBy(samples, 'trove_upstream_errors_total', 'instance');
  const answered = sumBy(samples, 'trove_upstream_last_answer_timestamp_seconds', 'instance');
  const failed = sumBy(samples, 'trove_upstream_last_failure_timestamp_seconds', 'instance');
  const backoff = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== 'trove_upstream_ratelimit' || s.labels['kind'] !== 'backoff_seconds') continue;
    const name = s.labels['instance'] ?? '';
    backoff.set(name, Math.max(backoff.get(name) ?? 0, s.value));
  }
  const ms = (m: Map<string, number>, name: string): number | null =>
    m.get(name) ? (m.get(name) as number) * 1000 : null;
  const roots = new Map(d.roots().map((r) => [r.instance, r.counts]));
  const instances: Record<string, InstanceView> = {};
  for (const name of d.instances) {
    const s = stats.instances.find((i) => i.instance === name);
    const requests = s?.requests ?? {};
    instances[name] = {
      name,
      requests: Object.values(requests).reduce((a, b) => a + b, 0),
      hitRatio: hitRatio(requests),
      objects: s?.objects ?? 0,
      bytes: s?.bytes ?? 0,
      servedBytes: served.get(name) ?? 0,
      fetchedBytes: fetched.get(name) ?? 0,
      fillsInFlight: fills.get(name) ?? 0,
      upstreamErrors: errors.get(name) ?? 0,
      lastAnswer: ms(answered, name),
      lastFailure: ms(failed, name),
      backoffSeconds: backoff.get(name) ?? 0,
      roots: roots.get(name) ?? null,
    };
  }
  return {
    at,
    store: { objects: stats.objects, bytes: stats.bytes, maxBytes: d.maxBytes },
    instances,
  };
}
