// How prefetch reports: a progress bar on a terminal, one plain line per item otherwise, or
// one JSON object per item (`--json`); then a summary.
import type { Warmed } from './client.js';
import type { Unusable, Wanted } from './wanted.js';

export interface ItemResult {
  wanted: Wanted;
  status: 'fetched' | 'cached' | 'failed';
  reason?: string;
  warmed?: Warmed;
}

export interface Summary {
  total: number;
  fetched: number;
  cached: number;
  failed: number;
  skipped: number;
  bytes: number;
  failures: Array<{ item: string; from: string; reason: string }>;
}

export interface Reporter {
  start(total: number): void;
  item(r: ItemResult): void;
  done(s: Summary, unusable: Unusable[]): void;
}

export const label = (w: Wanted): string =>
  w.ecosystem === 'oci'
    ? `${w.name}${w.version.startsWith('sha256:') ? '@' : ':'}${w.version}`
    : `${w.name}@${w.version}${w.only === 'mod' ? ' (go.mod)' : ''}`;

const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

function summaryText(s: Summary, unusable: Unusable[]): string {
  const lines = [
    `prefetch: ${s.total} items: ${s.fetched} fetched, ${s.cached} already cached, ${s.failed} failed` +
      `${s.skipped ? `, ${s.skipped} skipped` : ''} (${mib(s.bytes)} fetched)`,
  ];
  for (const f of s.failures) lines.push(`  failed ${f.item} (${f.from}): ${f.reason}`);
  for (const u of unusable) lines.push(`  skipped ${u.what} (${u.from}): ${u.reason}`);
  return `${lines.join('\n')}\n`;
}

export function jsonReporter(out: NodeJS.WritableStream): Reporter {
  return {
    start: () => {},
    item: (r) =>
      out.write(
        `${JSON.stringify({ ecosystem: r.wanted.ecosystem, item: label(r.wanted), status: r.status, reason: r.reason, files: r.warmed?.files, bytes: r.warmed?.bytes })}\n`,
      ),
    done: (s, unusable) => out.write(`${JSON.stringify({ summary: s, skipped: unusable })}\n`),
  };
}

export function lineReporter(out: NodeJS.WritableStream): Reporter {
  return {
    start: (total) => out.write(`prefetch: ${total} items\n`),
    item: (r) =>
      out.write(
        `${r.status} ${r.wanted.ecosystem} ${label(r.wanted)}${r.reason ? `: ${r.reason}` : r.warmed ? ` (${r.warmed.files} files, ${mib(r.warmed.bytes)})` : ''}\n`,
      ),
    done: (s, unusable) => out.write(summaryText(s, unusable)),
  };
}

/** A bar on one terminal line, redrawn at most every 100 ms; failures print above it. */
export function barReporter(tty: NodeJS.WriteStream): Reporter {
  let total = 0;
  const n = { fetched: 0, cached: 0, failed: 0, bytes: 0 };
  let last = 0;
  const draw = (force = false): void => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const done = n.fetched + n.cached + n.failed;
    const width = Math.max(10, Math.min(40, (tty.columns ?? 80) - 60));
    const filled = total ? Math.round((done / total) * width) : width;
    tty.write(
      `\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}  ` +
        `fetched ${n.fetched}  cached ${n.cached}  failed ${n.failed}  ${mib(n.bytes)}`,
    );
  };
  return {
    start: (t) => {
      total = t;
      draw(true);
    },
    item: (r) => {
      n[r.status]++;
      n.bytes += r.warmed?.bytes ?? 0;
      if (r.status === 'failed') tty.write(`\r\x1b[2Kfailed ${label(r.wanted)}: ${r.reason}\n`);
      draw(r.status === 'failed');
    },
    done: (s, unusable) => {
      draw(true);
      tty.write(`\n${summaryText(s, unusable)}`);
    },
  };
}
