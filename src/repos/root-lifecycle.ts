// A repository root's lifecycle, d7z's model with persistence: pending -> active -> suspect ->
// removed, plus a short `blocked` after a 403. Transitions are pure functions of the record and
// the clock, so the rules are tested without a network.
import type { Generation } from './generation.js';

export type RootState = 'pending' | 'active' | 'suspect' | 'blocked' | 'removed';

export const ROOT_STATES: readonly RootState[] = [
  'pending',
  'active',
  'suspect',
  'blocked',
  'removed',
];

export interface RootRecord {
  /** The root's path below the instance (`debian/dists/bookworm`, `repo` for a flat one). */
  path: string;
  state: RootState;
  createdAt: number;
  /** When the last refresh started, and when one last reached the upstream successfully. */
  lastAttempt: number | null;
  lastSuccess: number | null;
  lastError: string | null;
  /** Consecutive "not found" answers, and when the first of them came. */
  notFound: number;
  firstNotFound: number | null;
  /** Consecutive transient failures (timeouts, resets, 5xx, 429, refused generations). */
  failures: number;
  blockedUntil: number | null;
  generation: Generation | null;
  /** Earlier generations, newest first, kept for clients that still hold their top files. */
  previous: Generation[];
  /** Listed files clients asked for: every refresh fetches and verifies these before it publishes. */
  wanted: string[];
}

export interface LifecycleRules {
  /** Not-found answers in a row, over at least `removeAfterMs`, before a root is removed. */
  removeAfterCount: number;
  removeAfterMs: number;
  /** How long a 403 blocks refreshes. */
  blockMs: number;
  /** Earlier generations kept. */
  keepPrevious: number;
}

export const DEFAULT_RULES: LifecycleRules = {
  removeAfterCount: 5,
  removeAfterMs: 5 * 60_000,
  blockMs: 2 * 60_000,
  keepPrevious: 2,
};

export function newRoot(path: string, now: number): RootRecord {
  return {
    path,
    state: 'pending',
    createdAt: now,
    lastAttempt: null,
    lastSuccess: null,
    lastError: null,
    notFound: 0,
    firstNotFound: null,
    failures: 0,
    blockedUntil: null,
    generation: null,
    previous: [],
    wanted: [],
  };
}

const healthy = (r: RootRecord, now: number): RootRecord => ({
  ...r,
  state: 'active',
  lastSuccess: now,
  lastError: null,
  notFound: 0,
  firstNotFound: null,
  failures: 0,
  blockedUntil: null,
});

/** The upstream answered and nothing changed (a 304, or the same top files). */
export function unchanged(r: RootRecord, now: number): RootRecord {
  return healthy(r, now);
}

/** A new generation is published; the old one joins the kept ones. */
export function published(
  r: RootRecord,
  gen: Generation,
  now: number,
  rules: LifecycleRules = DEFAULT_RULES,
): RootRecord {
  const previous = r.generation ? [r.generation, ...r.previous] : r.previous;
  return { ...healthy(r, now), generation: gen, previous: previous.slice(0, rules.keepPrevious) };
}

/** The upstream says the root does not exist (404/410 for its top files). */
export function notFound(
  r: RootRecord,
  now: number,
  why: string,
  rules: LifecycleRules = DEFAULT_RULES,
): RootRecord {
  const first = r.firstNotFound ?? now;
  const count = r.notFound + 1;
  const gone = count >= rules.removeAfterCount && now - first >= rules.removeAfterMs;
  if (gone) {
    return {
      ...r,
      state: 'removed',
      notFound: count,
      firstNotFound: first,
      lastError: why,
      generation: null,
      previous: [],
      wanted: [],
    };
  }
  return {
    ...r,
    state: r.generation ? 'suspect' : 'pending',
    notFound: count,
    firstNotFound: first,
    lastError: why,
  };
}

/** The upstream refused (403): no refresh for a while, the last generation is still served. */
export function forbidden(
  r: RootRecord,
  now: number,
  why: string,
  rules: LifecycleRules = DEFAULT_RULES,
): RootRecord {
  return { ...r, state: 'blocked', blockedUntil: now + rules.blockMs, lastError: why };
}

/** A transient failure: the last generation stays and is served stale. */
export function failed(r: RootRecord, why: string): RootRecord {
  return {
    ...r,
    state: r.generation ? 'suspect' : 'pending',
    failures: r.failures + 1,
    lastError: why,
  };
}

/** A request for a removed root brings it back, to be discovered again. */
export function revived(r: RootRecord, now: number): RootRecord {
  return { ...newRoot(r.path, now), wanted: r.wanted };
}

/** Whether the root is due a refresh at `now`. */
export function due(r: RootRecord, now: number, intervalMs: number): boolean {
  if (r.state === 'removed') return false;
  if (r.state === 'blocked' && r.blockedUntil !== null && now < r.blockedUntil) return false;
  if (r.lastAttempt === null) return true;
  // Failing roots are retried sooner, backing off to the interval.
  const wait = r.state === 'active' ? intervalMs : Math.min(intervalMs, 15_000 * 2 ** r.failures);
  return now - r.lastAttempt >= wait;
}
