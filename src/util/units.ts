// Human units in configuration: durations ("90s", "5m", "1h30m", "7d") and sizes ("64KiB", "10GB").

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses a duration into milliseconds, or returns an error message. */
export function parseDuration(input: string | number): number | string {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0 ? input * 1000 : 'must be a non-negative number';
  }
  const text = input.trim();
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) {
    return `"${input}" is not a duration (use e.g. 500ms, 30s, 5m, 1h, 7d)`;
  }
  return Math.round(total);
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Parses a size into bytes, or returns an error message. */
export function parseSize(input: string | number): number | string {
  if (typeof input === 'number') {
    return Number.isInteger(input) && input >= 0 ? input : 'must be a non-negative integer';
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input);
  const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase() || 'b'];
  if (!m || unit === undefined) {
    return `"${input}" is not a size (use e.g. 512MiB, 10GiB, 1TB)`;
  }
  return Math.floor(Number(m[1]) * unit);
}

/** Bytes as people read them: 512 B, 1.5 KiB, 20.0 GiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}
