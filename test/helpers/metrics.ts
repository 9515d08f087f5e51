// Reading Trove's own answers in tests: Prometheus text and /ready's checks.
import { get } from './client.js';

/**
 * The sum of a metric's samples whose labels include `labels` (0 when there is none), from a
 * Prometheus text exposition.
 */
export function metric(
  text: Buffer | string,
  name: string,
  labels: Record<string, string> = {},
): number {
  let sum = 0;
  for (const line of text.toString().split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

export async function readyChecks(
  url: string,
): Promise<{ status: number; checks: Record<string, string> }> {
  const r = await get(`${url}/ready`);
  const body = JSON.parse(r.body.toString()) as { checks?: Record<string, string> };
  return { status: r.status, checks: body.checks ?? {} };
}
