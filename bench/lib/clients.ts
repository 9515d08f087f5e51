// Load from real clients: a burst of curl processes (time to first byte, total), and wrk.
import { run } from './proc.js';

export interface CurlResult {
  ttfb: number;
  total: number;
  status: number;
  bytes: number;
}

const FORMAT = '%{time_starttransfer} %{time_total} %{http_code} %{size_download}\\n';

export async function curlOnce(url: string): Promise<CurlResult> {
  const r = await run('curl', ['-s', '-o', '/dev/null', '-w', FORMAT, url]);
  const [ttfb, total, status, bytes] = r.out.trim().split(/\s+/).map(Number);
  return { ttfb: ttfb ?? NaN, total: total ?? NaN, status: status ?? 0, bytes: bytes ?? 0 };
}

/**
 * n concurrent downloads from one curl process (--parallel, all connections opened at once),
 * so client start-up does not skew the times; returns each result and the wall time in s.
 */
export async function curlBurst(
  url: string,
  n: number,
  extra: readonly string[] = [],
): Promise<{ results: CurlResult[]; wall: number }> {
  const args = [
    ...extra,
    '-s',
    '--parallel',
    '--parallel-immediate',
    '--parallel-max',
    String(n),
    '-w',
    FORMAT,
  ];
  for (let i = 0; i < n; i++) args.push('-o', '/dev/null', url);
  const t0 = performance.now();
  const r = await run('curl', args);
  const wall = (performance.now() - t0) / 1000;
  const results = r.out
    .trim()
    .split('\n')
    .map((line) => {
      const [ttfb, total, status, bytes] = line.trim().split(/\s+/).map(Number);
      return { ttfb: ttfb ?? NaN, total: total ?? NaN, status: status ?? 0, bytes: bytes ?? 0 };
    });
  return { results, wall };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

export interface WrkResult {
  rps: number;
  p99ms: number;
  bytesPerSec: number;
  errors: number;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

function toBytes(v: string): number {
  const m = /^([\d.]+)([KMGT]?B)$/.exec(v);
  if (!m) return NaN;
  const mult: Record<string, number> = {
    B: 1,
    KB: 1024,
    MB: 1024 ** 2,
    GB: 1024 ** 3,
    TB: 1024 ** 4,
  };
  return Number(m[1]) * (mult[m[2] as string] as number);
}

export async function wrk(
  url: string,
  opts: {
    connections: number;
    seconds: number;
    script?: string;
    env?: Record<string, string>;
    headers?: string[];
  },
): Promise<WrkResult> {
  const args = ['-t2', `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency'];
  if (opts.script) args.push('-s', opts.script);
  for (const h of opts.headers ?? []) args.push('-H', h);
  const r = await run('wrk', [...args, url], (opts.seconds + 60) * 1000, opts.env);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.out)?.[1]);
  const p99 = toMs(/\s99%\s+(\S+)/.exec(r.out)?.[1] ?? '');
  const transfer = toBytes(/Transfer\/sec:\s+(\S+)/.exec(r.out)?.[1] ?? '');
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.out)?.[1] ?? 0);
  if (!Number.isFinite(rps)) throw new Error(`could not parse wrk output:\n${r.out}${r.err}`);
  return { rps, p99ms: p99, bytesPerSec: transfer, errors };
}

/**
 * Opens `n` connections that ask for `url` and never read the answer (a stalled download);
 * returns the function that closes them.
 */
export async function stalledReaders(url: string, n: number): Promise<() => void> {
  const { connect } = await import('node:net');
  const u = new URL(url);
  const sockets: import('node:net').Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = connect(Number(u.port), u.hostname);
    s.on('error', () => undefined);
    s.write(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
    s.pause();
    sockets.push(s);
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 20));
  }
  return () => {
    for (const s of sockets) s.destroy();
  };
}
