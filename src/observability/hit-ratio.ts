// The hit ratio of an instance from its request counters: answers served from the cache (hits,
// revalidations, stale copies, remembered 404s) over every request; null before any.
export function hitRatio(requests: Record<string, number>): number | null {
  const r = requests;
  const hits = (r['hit'] ?? 0) + (r['revalidated'] ?? 0) + (r['stale'] ?? 0) + (r['negative'] ?? 0);
  const total = Object.values(r).reduce((a, b) => a + b, 0);
  return total ? hits / total : null;
}
