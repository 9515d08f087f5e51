// The browser at /ui/browse/<instance>: a search form, the page of entries in the ecosystem's
// terms (name, version, kind, size, first fetched, last hit, hits, digest), a next-page link,
// and purge and refresh buttons where admin actions are on.
import { formatBytes } from '../util/units.js';
import type { Mount } from '../server/mount.js';
import type { BrowsePage } from './browse.js';
import { esc, page, when } from './html.js';

export interface BrowseView {
  mount: Mount;
  query: string;
  result: BrowsePage;
  admin: boolean;
  /** A line about the last admin action (from its redirect). */
  notice: string | null;
}

const SEARCH_BY: Record<string, string> = {
  go: 'module path',
  npm: 'package name',
  pypi: 'project name',
  cargo: 'crate name',
  maven: 'groupId or groupId:artifactId',
  oci: 'repository',
};

function adminForms(v: BrowseView, key: string): string {
  if (!v.admin) return '';
  const hidden = `<input type="hidden" name="instance" value="${esc(v.mount.name)}"><input type="hidden" name="key" value="${esc(key)}"><input type="hidden" name="q" value="${esc(v.query)}">`;
  return `<td><form class="inline" method="post" action="/ui/admin/refresh">${hidden}<button class="secondary" type="submit">Refresh</button></form>
<form class="inline" method="post" action="/ui/admin/purge" data-confirm="Purge this entry?">${hidden}<button class="danger" type="submit">Purge</button></form></td>`;
}

export function browsePage(v: BrowseView): string {
  const m = v.mount;
  const by = SEARCH_BY[m.type] ?? 'path prefix';
  const rows = v.result.rows
    .map(({ entry: e, label: l }) => {
      const digest = e.digest
        ? `<code class="digest" title="sha256:${esc(e.digest)}">${esc(e.digest.slice(0, 12))}</code>`
        : '<span class="muted">not found upstream</span>';
      return `<tr><td>${esc(l.name)}</td><td>${esc(l.version)}</td><td>${esc(l.kind)}</td>
<td class="num">${formatBytes(e.size)}</td><td>${when(e.fetchedAt)}</td><td>${when(e.lastAccess)}</td><td class="num">${e.hits}</td><td>${digest}</td>${adminForms(v, e.key)}</tr>`;
    })
    .join('\n');
  const q = encodeURIComponent(v.query);
  const next = v.result.next
    ? `<nav aria-label="Pages"><a href="/ui/browse/${encodeURIComponent(m.name)}?q=${q}&amp;after=${encodeURIComponent(v.result.next)}" rel="next">Next page</a></nav>`
    : '';
  const purgeAll =
    v.admin && v.query
      ? `<form method="post" action="/ui/admin/purge" data-confirm="Purge every entry this search lists?">
<input type="hidden" name="instance" value="${esc(m.name)}"><input type="hidden" name="q" value="${esc(v.query)}">
<label class="inline"><input type="checkbox" name="all" value="yes" required> every entry this search lists</label>
<button class="danger" type="submit">Purge all</button></form>`
      : '';
  const notice = v.notice ? `<p class="notice" role="status">${esc(v.notice)}</p>` : '';
  return page(
    `${m.name} · Trove`,
    `<h1>Cached in ${esc(m.name)}<span class="type">${esc(m.type)}</span></h1>${notice}
<form class="search" role="search" method="get" action="/ui/browse/${encodeURIComponent(m.name)}">
<div><label for="q">Search by ${esc(by)}</label><input type="search" id="q" name="q" value="${esc(v.query)}" placeholder="prefix, e.g. ${m.type === 'go' ? 'golang.org/x/' : 'a'}"></div>
<button type="submit">Search</button></form>
${purgeAll}
<table><caption>${v.result.rows.length} entries on this page${v.query ? ` starting with “${esc(v.query)}”` : ''}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Version</th><th scope="col">Kind</th><th scope="col">Size</th><th scope="col">First fetched</th><th scope="col">Last hit</th><th scope="col">Hits</th><th scope="col">Digest</th>${v.admin ? '<th scope="col">Actions</th>' : ''}</tr></thead>
<tbody>${rows || `<tr><td colspan="${v.admin ? 9 : 8}">Nothing cached${v.query ? ' matches this search' : ' yet'}.</td></tr>`}</tbody></table>
${next}`,
  );
}
