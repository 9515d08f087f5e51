// `trove prefetch`: reads lockfiles, SBOMs and lists, finds the Trove instance of each
// ecosystem, and warms every item through it with bounded concurrency, as clients would.
import { readFileSync } from 'node:fs';
import { TroveError } from '../errors.js';
import { TroveClient, type Warmed } from './client.js';
import type { PlanContext, Planner } from './planners/planner.js';
import { cargoPlanner } from './planners/cargo.js';
import { goPlanner } from './planners/go.js';
import { mavenPlanner } from './planners/maven.js';
import { npmPlanner } from './planners/npm.js';
import { ociPlanner } from './planners/oci.js';
import { pypiPlanner } from './planners/pypi.js';
import { label, type ItemResult, type Reporter, type Summary } from './progress.js';
import { parseSource } from './sources/detect.js';
import { wantedKey, type PrefetchEcosystem, type Unusable, type Wanted } from './wanted.js';

const PLANNERS: Record<PrefetchEcosystem, Planner> = {
  go: goPlanner,
  npm: npmPlanner,
  pypi: pypiPlanner,
  cargo: cargoPlanner,
  oci: ociPlanner,
  maven: mavenPlanner,
};

export interface PrefetchOptions {
  /** The Trove's base URL; user info in it becomes Basic credentials. */
  url: string;
  files: string[];
  format?: string | undefined;
  concurrency: number;
  retries: number;
  /** A bearer token (static token or JWT) for a Trove with access control. */
  token?: string | undefined;
  /** `ecosystem=instance` choices where a Trove has several instances of one type. */
  instances: Record<string, string>;
  platforms: string[];
  backoffMs?: number;
}

interface InstanceInfo {
  name: string;
  type: string;
  url: string;
}

/** Reads every file; an unreadable or unknown one stops the run before anything is asked. */
export function readSources(
  files: string[],
  format?: string,
): { wanted: Wanted[]; unusable: Unusable[] } {
  const seen = new Map<string, Wanted>();
  const unusable: Unusable[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new TroveError('TROVE_ERR_BAD_REQUEST', `cannot read ${file} (${code})`);
    }
    const parsed = parseSource(file, text, format);
    for (const w of parsed.wanted) if (!seen.has(wantedKey(w))) seen.set(wantedKey(w), w);
    unusable.push(...parsed.unusable);
  }
  // A go.mod-only line is moot when the same version is wanted whole.
  const whole = new Set(
    [...seen.values()].filter((w) => !w.only).map((w) => `${w.ecosystem} ${w.name} ${w.version}`),
  );
  const wanted = [...seen.values()].filter(
    (w) => !(w.only === 'mod' && whole.has(`${w.ecosystem} ${w.name} ${w.version}`)),
  );
  return { wanted, unusable };
}

function credentials(o: PrefetchOptions): { origin: string; authorization?: string } {
  let u: URL;
  try {
    u = new URL(o.url);
  } catch {
    throw new TroveError('TROVE_ERR_BAD_REQUEST', `--url ${o.url}: not a URL`);
  }
  let authorization = o.token ? `Bearer ${o.token}` : undefined;
  if (u.username) {
    const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  return { origin: u.origin, ...(authorization ? { authorization } : {}) };
}

export async function prefetch(o: PrefetchOptions, report: Reporter): Promise<Summary> {
  const { wanted, unusable } = readSources(o.files, o.format);
  const { origin, authorization } = credentials(o);
  const client = new TroveClient({
    origin,
    authorization,
    retries: o.retries,
    backoffMs: o.backoffMs,
  });
  const listed = JSON.parse((await client.read(`${origin}/_trove/instances`)).body.toString()) as {
    instances: InstanceInfo[];
  };
  const contexts = new Map<PrefetchEcosystem, PlanContext | string>();
  const contextOf = (eco: PrefetchEcosystem): PlanContext | string => {
    let c = contexts.get(eco);
    if (c === undefined) {
      const chosen = o.instances[eco];
      const inst = listed.instances.find((i) => (chosen ? i.name === chosen : i.type === eco));
      c = inst
        ? { client, base: inst.url.replace(/\/+$/, ''), origin, platforms: o.platforms }
        : chosen
          ? `this Trove has no instance named ${chosen}`
          : `this Trove has no ${eco} instance`;
      contexts.set(eco, c);
    }
    return c;
  };

  const summary: Summary = {
    total: wanted.length,
    fetched: 0,
    cached: 0,
    failed: 0,
    skipped: unusable.length,
    bytes: 0,
    failures: [],
  };
  report.start(wanted.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < wanted.length; i = next++) {
      const w = wanted[i] as Wanted;
      const ctx = contextOf(w.ecosystem);
      let r: ItemResult;
      try {
        if (typeof ctx === 'string') throw new Error(ctx);
        const warmed: Warmed = await (PLANNERS[w.ecosystem] as Planner)(w, ctx);
        r = { wanted: w, status: warmed.fetched > 0 ? 'fetched' : 'cached', warmed };
      } catch (err) {
        r = { wanted: w, status: 'failed', reason: (err as Error).message };
        summary.failures.push({
          item: `${w.ecosystem} ${label(w)}`,
          from: w.from,
          reason: r.reason as string,
        });
      }
      summary[r.status]++;
      summary.bytes += r.warmed?.bytes ?? 0;
      report.item(r);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  report.done(summary, unusable);
  return summary;
}
