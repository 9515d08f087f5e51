// Prometheus metrics. Labels come from a fixed small set (instance, ecosystem, class, result,
// reason); package names never become labels.
import type { UpstreamLimit } from '../ecosystems/ecosystem.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'trove_requests_total',
    help: 'Requests served, by cache result',
    labelNames: ['instance', 'ecosystem', 'class', 'result'] as const,
    registers: [this.registry],
  });
  readonly bytesServed = new Counter({
    name: 'trove_served_bytes_total',
    help: 'Body bytes sent to clients',
    labelNames: ['instance', 'result'] as const,
    registers: [this.registry],
  });
  readonly bytesFetched = new Counter({
    name: 'trove_upstream_fetched_bytes_total',
    help: 'Body bytes received from upstreams',
    labelNames: ['instance'] as const,
    registers: [this.registry],
  });
  readonly fillsInFlight = new Gauge({
    name: 'trove_fills_in_flight',
    help: 'Upstream fills in progress',
    labelNames: ['instance'] as const,
    registers: [this.registry],
  });
  readonly upstreamLatency = new Histogram({
    name: 'trove_upstream_response_seconds',
    help: 'Time from the start of a fill until upstream headers (or failure)',
    labelNames: ['instance', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly upstreamErrors = new Counter({
    name: 'trove_upstream_errors_total',
    help: 'Failed fills, by error code',
    labelNames: ['instance', 'code'] as const,
    registers: [this.registry],
  });
  // When an instance's upstream last answered, and last failed: its health, for the dashboard
  // and for alerts (failure newer than answer). A cluster reports the newest of its workers.
  readonly upstreamLastAnswer = new Gauge({
    name: 'trove_upstream_last_answer_timestamp_seconds',
    aggregator: 'max',
    help: 'When an upstream last answered a fill (any status), Unix time',
    labelNames: ['instance'] as const,
    registers: [this.registry],
  });
  readonly upstreamLastFailure = new Gauge({
    name: 'trove_upstream_last_failure_timestamp_seconds',
    aggregator: 'max',
    help: 'When a fill last failed (no usable answer from any upstream), Unix time',
    labelNames: ['instance'] as const,
    registers: [this.registry],
  });

  /** A fill's first outcome: how long the upstream took, and whether it answered. */
  upstreamOutcome(instance: string, kind: string, seconds: number): void {
    this.upstreamLatency.observe({ instance, outcome: kind }, seconds);
    if (kind !== 'error') this.upstreamLastAnswer.set({ instance }, Date.now() / 1000);
  }

  /** A fill that failed. */
  fillFailed(instance: string, code: string): void {
    this.upstreamErrors.inc({ instance, code });
    this.upstreamLastFailure.set({ instance }, Date.now() / 1000);
  }
  readonly accessRefusals = new Counter({
    name: 'trove_access_refusals_total',
    help: 'Requests refused by access control, by reason (unauthenticated, forbidden, fetch_denied, limited)',
    labelNames: ['instance', 'reason'] as const,
    registers: [this.registry],
  });
  readonly accessTokensIssued = new Counter({
    name: 'trove_access_tokens_issued_total',
    help: "Tokens Trove's registry token realm issued to verified clients",
    labelNames: ['instance'] as const,
    registers: [this.registry],
  });
  readonly indexErrors = new Counter({
    name: 'trove_index_errors_total',
    help: 'Index operations that failed after retries, by operation and driver code',
    labelNames: ['operation', 'code'] as const,
    registers: [this.registry],
  });
  readonly bookkeepingBacklog = new Gauge({
    name: 'trove_bookkeeping_backlog_keys',
    help: 'Keys whose access bookkeeping waits for the index to accept writes',
    registers: [this.registry],
  });
  readonly bookkeepingDropped = new Counter({
    name: 'trove_bookkeeping_dropped_total',
    help: 'Accesses not recorded because the backlog was full',
    registers: [this.registry],
  });
  readonly uncommitted = new Counter({
    name: 'trove_fills_uncommitted_total',
    help: 'Complete fills served to their clients but not cached (a storage or index failure, or an unframed body)',
    labelNames: ['instance', 'code'] as const,
    registers: [this.registry],
  });
  readonly corruptBlobs = new Counter({
    name: 'trove_corrupt_blobs_total',
    help: 'Cached blobs found not to match their digest or size, and dropped',
    labelNames: ['found_by'] as const,
    registers: [this.registry],
  });
  readonly scrubbedBytes = new Counter({
    name: 'trove_scrub_bytes_total',
    help: 'Bytes of cached blobs re-hashed by the background scrub',
    registers: [this.registry],
  });
  #storeStats: (() => Promise<{ bytes: number; objects: number }>) | null = null;
  readonly storeBytes = new Gauge({
    name: 'trove_store_bytes',
    // Every worker reads the same shared state: a cluster reports it once, not summed.
    aggregator: 'max',
    help: 'Bytes of referenced blobs',
    registers: [this.registry],
    // Read from the index at scrape time.
    collect: async () => {
      const s = await this.#scrapeStore();
      if (s) this.storeBytes.set(s.bytes);
    },
  });
  readonly storeObjects = new Gauge({
    name: 'trove_store_objects',
    aggregator: 'max',
    help: 'Cached entries (not counting negative entries)',
    registers: [this.registry],
    collect: async () => {
      const s = await this.#scrapeStore();
      if (s) this.storeObjects.set(s.objects);
    },
  });
  readonly evictions = new Counter({
    name: 'trove_evictions_total',
    help: 'Entries removed, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly tlsCertificateExpiry = new Gauge({
    name: 'trove_tls_certificate_expiry_timestamp_seconds',
    // Workers reload on their own; the oldest certificate any of them serves is the one to watch.
    aggregator: 'min',
    help: 'When the certificate the TLS listeners serve expires (Unix time)',
    registers: [this.registry],
  });

  #roots: () => Array<{ instance: string; counts: Record<string, number> }> = () => [];
  readonly repoRoots = new Gauge({
    name: 'trove_repo_roots',
    aggregator: 'max',
    help: 'Linux repository roots by lifecycle state',
    labelNames: ['instance', 'state'] as const,
    registers: [this.registry],
    collect: () => {
      this.repoRoots.reset();
      for (const { instance, counts } of this.#roots()) {
        for (const [state, n] of Object.entries(counts)) this.repoRoots.set({ instance, state }, n);
      }
    },
  });

  #limits: () => Array<{ instance: string; limits: UpstreamLimit[] }> = () => [];
  readonly rateLimit = new Gauge({
    name: 'trove_upstream_ratelimit',
    aggregator: 'max',
    help: "Upstreams' reported rate limit (limit, remaining) and back-off seconds after a 429",
    labelNames: ['instance', 'upstream', 'kind'] as const,
    registers: [this.registry],
    collect: () => {
      this.rateLimit.reset();
      for (const { instance, limits } of this.#limits()) {
        for (const l of limits) {
          const upstream = l.registry;
          if (l.limit !== null) this.rateLimit.set({ instance, upstream, kind: 'limit' }, l.limit);
          if (l.remaining !== null) {
            this.rateLimit.set({ instance, upstream, kind: 'remaining' }, l.remaining);
          }
          this.rateLimit.set({ instance, upstream, kind: 'backoff_seconds' }, l.backoff);
        }
      }
    },
  });

  /** Where the rate-limit gauge comes from at scrape time. */
  observeRateLimits(limits: () => Array<{ instance: string; limits: UpstreamLimit[] }>): void {
    this.#limits = limits;
  }

  /** Where the repository-root gauge comes from at scrape time. */
  observeRoots(counts: () => Array<{ instance: string; counts: Record<string, number> }>): void {
    this.#roots = counts;
  }

  #pending: Promise<{ bytes: number; objects: number } | null> | null = null;

  /** One index query per scrape, shared by both store gauges (they collect concurrently). */
  #scrapeStore(): Promise<{ bytes: number; objects: number } | null> {
    if (!this.#storeStats) return Promise.resolve(null);
    // An index that cannot answer leaves the gauges at their last values; /metrics still works.
    this.#pending ??= this.#storeStats()
      .catch(() => null)
      .finally(() => setImmediate(() => (this.#pending = null)));
    return this.#pending;
  }

  /** Where the store gauges come from at scrape time. */
  observeStore(stats: () => Promise<{ bytes: number; objects: number }>): void {
    this.#storeStats = stats;
  }

  constructor(withProcessMetrics = true) {
    if (withProcessMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'trove_' });
  }
}
