// Ordered access rules of one instance: its own, then the global ones, then what `anonymous`
// grants. For each action the first rule that names the subject, matches the name and speaks
// of that action decides; none means denied. `fetch` (may this client cause an upstream fetch)
// needs `read` as well.
import picomatch from 'picomatch';
import type { Action, AccessRule } from './config.js';
import { ANONYMOUS, type Identity } from './identity.js';

/** What a request is about, in the ecosystem's own terms (see EcosystemInstance.accessTarget). */
export type AccessTarget =
  /** One name: a module, an image repository, a package, a repository root, a file. */
  | { name: string }
  /** The instance itself (a version check, a config file): anyone who may read something. */
  | { instance: true }
  /** A listing of every cached name: only for whom every name is readable. */
  | { listing: true };

/** Compiles name globs the ecosystem's way (Go's module path prefixes, plain globs elsewhere). */
export type NameMatcher = (patterns: readonly string[]) => (name: string) => boolean;

// Without regard to case: a deny rule must not be dodged by asking for `ACME/x` where the
// upstream (a case-insensitive host behind a path) would serve `acme/x`.
export const globMatcher: NameMatcher = (patterns) =>
  picomatch([...patterns], { dot: true, nonegate: true, nocase: true });

export type Verdict = { allowed: true } | { allowed: false; reason: string };

interface Compiled {
  rule: AccessRule;
  everything: boolean;
  test: (name: string) => boolean;
}

export class Rules {
  readonly #rules: Compiled[];

  constructor(
    rules: readonly AccessRule[],
    anonymous: 'none' | 'read' | 'fetch',
    match: NameMatcher,
  ) {
    const all = [...rules];
    if (anonymous !== 'none') {
      const allow: Action[] = anonymous === 'fetch' ? ['read', 'fetch'] : ['read'];
      all.push({ who: [ANONYMOUS], names: ['**'], allow, deny: [] });
    }
    this.#rules = all.map((rule) => {
      const everything = rule.names.includes('**');
      return { rule, everything, test: everything ? () => true : match(rule.names) };
    });
  }

  decide(who: Identity | null, target: AccessTarget, action: Action): Verdict {
    if (who?.scopes && !who.scopes.includes(action)) {
      return { allowed: false, reason: `the token's scopes do not include ${action}` };
    }
    if (action === 'fetch') {
      const read = this.decide(who, target, 'read');
      if (!read.allowed) return read;
    }
    const mine = this.#rules.filter((r) => names(r.rule, who) && speaks(r.rule, action));
    if ('instance' in target) {
      // Reaching the instance needs read on something; fetch there (search relays) needs it too.
      if (mine.some((r) => r.rule.allow.includes(action))) return { allowed: true };
      return { allowed: false, reason: `no rule allows ${action} here` };
    }
    if ('listing' in target) {
      for (const r of mine) {
        if (r.rule.deny.includes(action)) {
          return { allowed: false, reason: `a listing needs ${action} on every name` };
        }
        if (r.everything) return { allowed: true };
      }
      return { allowed: false, reason: `a listing needs ${action} on every name` };
    }
    for (const r of mine) {
      if (!r.test(target.name)) continue;
      if (r.rule.allow.includes(action)) return { allowed: true };
      return { allowed: false, reason: `denied ${action} by rule ${describe(r.rule)}` };
    }
    return { allowed: false, reason: `no rule allows ${action} on this name` };
  }
}

function names(rule: AccessRule, who: Identity | null): boolean {
  return rule.who.some((w) => {
    if (who === null || w === ANONYMOUS) return who === null && w === ANONYMOUS;
    if (w === '*' || w === who.subject) return true;
    return w.startsWith('group:') && who.groups.includes(w.slice(6));
  });
}

const speaks = (rule: AccessRule, action: Action): boolean =>
  rule.allow.includes(action) || rule.deny.includes(action);

const describe = (r: AccessRule): string =>
  `{who: ${r.who.join(',')}, names: ${r.names.join(',')}}`;
