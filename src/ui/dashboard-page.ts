// The dashboard at `/`: the store against its limit, then every instance with its client set-up
// (and a copy button), its numbers, and a link to what it has cached. The numbers refresh every
// 5 s with JavaScript; without it, reloading the page does.
import { formatBytes } from '../util/units.js';
import { primaryMounts, type Mount } from '../server/mount.js';
import type { DashboardStats, InstanceView } from './dashboard-stats.js';
import { esc, page, percent } from './html.js';

const STATS: Array<[string, string]> = [
  ['upstream', 'Upstream'],
  ['requests', 'Requests'],
  ['hitRatio', 'Hit ratio'],
  ['servedBytes', 'Served'],
  ['fetchedBytes', 'Fetched from upstream'],
  ['objects', 'Cached objects'],
  ['bytes', 'Cached size'],
  ['fillsInFlight', 'Downloads in flight'],
  ['upstreamErrors', 'Upstream errors'],
];

const ago = (ms: number): string => {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 120
    ? `${s} s ago`
    : s < 7200
      ? `${Math.round(s / 60)} min ago`
      : `${Math.round(s / 3600)} h ago`;
};

/** The upstream's health: failing when its last failure is newer than its last answer. */
export function upstreamText(v: InstanceView): string {
  const backoff =
    v.backoffSeconds > 0 ? `; backing off ${Math.ceil(v.backoffSeconds)} s after a 429` : '';
  if (v.lastFailure !== null && (v.lastAnswer === null || v.lastFailure > v.lastAnswer)) {
    return `failing (last failure ${ago(v.lastFailure)}${v.lastAnswer ? `, last answer ${ago(v.lastAnswer)}` : ''})${backoff}`;
  }
  if (v.lastAnswer !== null) return `ok (answered ${ago(v.lastAnswer)})${backoff}`;
  return `not asked since start${backoff}`;
}

/** Each number as the page shows it. */
export function statText(v: InstanceView): Record<string, string> {
  const roots = v.roots
    ? Object.entries(v.roots)
        .filter(([, n]) => n > 0)
        .map(([state, n]) => `${n} ${state}`)
        .join(', ') || 'none yet'
    : '';
  return {
    upstream: upstreamText(v),
    requests: String(v.requests),
    hitRatio: percent(v.hitRatio),
    servedBytes: formatBytes(v.servedBytes),
    fetchedBytes: formatBytes(v.fetchedBytes),
    objects: String(v.objects),
    bytes: formatBytes(v.bytes),
    fillsInFlight: String(v.fillsInFlight),
    upstreamErrors: String(v.upstreamErrors),
    roots,
  };
}

export function storeText(s: DashboardStats['store']): string {
  const limit = s.maxBytes
    ? ` of ${formatBytes(s.maxBytes)} (${percent(s.bytes / s.maxBytes)})`
    : ' (no size limit)';
  return `${formatBytes(s.bytes)} used${limit}, ${s.objects} objects`;
}

function card(m: Mount, origin: string, v: InstanceView | undefined): string {
  const base = `${origin}${m.prefix}`;
  const setup = m.clientSetup(base);
  const text = v ? statText(v) : null;
  const rows = STATS.map(
    ([k, label]) => `<dt>${label}</dt><dd data-stat="${k}">${esc(text?.[k] ?? '–')}</dd>`,
  ).join('');
  const roots = v?.roots
    ? `<dt>Repository roots</dt><dd data-stat="roots">${esc(text?.['roots'] ?? '')}</dd>`
    : '';
  const id = `setup-${m.name}`;
  return `<article data-instance="${esc(m.name)}" aria-labelledby="h-${esc(m.name)}">
<h2 id="h-${esc(m.name)}">${esc(m.name)}<span class="type">${esc(m.type)}</span></h2>
<p><a href="${esc(base)}/">${esc(base)}/</a> · <a href="/ui/browse/${encodeURIComponent(m.name)}">Browse cached entries</a></p>
<dl class="stats">${rows}${roots}</dl>
<div class="setup"><pre id="${esc(id)}"><code>${esc(setup)}</code></pre>
<button type="button" class="copy secondary" hidden data-copy="${esc(setup)}" aria-label="Copy the client set-up for ${esc(m.name)}">Copy</button></div>
</article>`;
}

export function dashboardPage(
  origin: string,
  mounts: readonly Mount[],
  stats: DashboardStats | null,
): string {
  const cards = primaryMounts(mounts)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => card(m, origin, stats?.instances[m.name]))
    .join('\n');
  const store = stats
    ? `<section class="storage" aria-labelledby="storage-h"><h2 id="storage-h">Storage</h2>
<p data-store>${esc(storeText(stats.store))}</p>${
        stats.store.maxBytes
          ? `<progress max="${stats.store.maxBytes}" value="${stats.store.bytes}" aria-label="Storage used">${percent(stats.store.bytes / stats.store.maxBytes)}</progress>`
          : ''
      }</section>`
    : '<p class="notice error">The index cannot be read: numbers are missing (see /ready).</p>';
  return page(
    'Trove',
    `<h1>Trove</h1><div data-live>${store}
<div class="grid">${cards || '<p>No instances are configured.</p>'}</div></div>`,
  );
}
