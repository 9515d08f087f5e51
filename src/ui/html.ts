// The pieces every UI page shares: escaping, the page frame, and human numbers.

export const esc = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

export const percent = (r: number | null): string =>
  r === null ? '–' : `${(r * 100).toFixed(1)}%`;

export const when = (ms: number): string =>
  ms > 0
    ? new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
    : '–';

/** A whole page: no external assets, readable without JavaScript. */
export function page(title: string, body: string, opts: { script?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="stylesheet" href="/ui/assets/ui.css">
</head><body>
<header><a class="brand" href="/">Trove</a>
<nav aria-label="Trove"><a href="/">Dashboard</a><a href="/health">Health</a><a href="/ready">Ready</a><a href="/metrics">Metrics</a></nav></header>
<main id="main">
${body}
</main>
${opts.script === false ? '' : '<script src="/ui/assets/ui.js" defer></script>'}
</body></html>
`;
}
