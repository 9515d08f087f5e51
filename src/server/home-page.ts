// The home page: every instance with its URL and copyable client set-up.
import { primaryMounts, type Mount } from './mount.js';

const esc = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

export function homePage(origin: string, mounts: readonly Mount[]): string {
  const rows = primaryMounts(mounts)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => {
      const base = `${origin}${m.prefix}`;
      const hosts = m.hosts.length ? `<p>Hosts: ${m.hosts.map(esc).join(', ')}</p>` : '';
      return `<section><h2>${esc(m.name)} <small>${esc(m.type)}</small></h2>
<p><a href="${esc(base)}/">${esc(base)}/</a></p>${hosts}
<pre><code>${esc(m.clientSetup(base))}</code></pre></section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Trove</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}
pre{background:#f4f4f4;padding:.75rem;overflow-x:auto;user-select:all}small{color:#666;font-weight:normal}</style>
</head><body><h1>Trove</h1><p>A caching proxy for package registries.
<a href="/health">health</a> · <a href="/ready">ready</a> · <a href="/metrics">metrics</a></p>
${rows || '<p>No instances are configured.</p>'}
</body></html>
`;
}

/** The instances as JSON (`/_trove/instances`): what `trove prefetch` and scripts discover. */
export function instancesJson(origin: string, mounts: readonly Mount[]): string {
  const instances = primaryMounts(mounts)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => ({
      name: m.name,
      type: m.type,
      path: m.prefix || '/',
      url: `${origin}${m.prefix}`,
      hosts: m.hosts,
    }));
  return `${JSON.stringify({ instances })}\n`;
}
