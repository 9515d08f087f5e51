// Allow/deny rules by module pattern and version range. A deny rule refuses what it matches;
// when allow rules exist, a module must match one of them. Refusals carry a reason the go
// command shows its user.
import { compilePatterns, matchesAny, type PrefixPattern } from './patterns.js';
import { parseVersionRange, type VersionRange } from './version-range.js';

export interface GateRuleConfig {
  module: string | string[];
  versions?: string | undefined;
  reason?: string | undefined;
}

interface GateRule {
  patterns: PrefixPattern[];
  range: VersionRange | null;
  reason: string | undefined;
  label: string;
}

function compileRule(r: GateRuleConfig): GateRule {
  const range = r.versions === undefined ? null : parseVersionRange(r.versions);
  if (typeof range === 'string') throw new Error(range); // validated by the schema first
  const modules = typeof r.module === 'string' ? r.module : r.module.join(',');
  return {
    patterns: compilePatterns(r.module),
    range,
    reason: r.reason,
    label: r.versions === undefined ? modules : `${modules} ${r.versions}`,
  };
}

export class Gatekeeper {
  readonly #allow: GateRule[];
  readonly #deny: GateRule[];

  constructor(allow: readonly GateRuleConfig[], deny: readonly GateRuleConfig[]) {
    this.#allow = allow.map(compileRule);
    this.#deny = deny.map(compileRule);
  }

  /** Whether rules depend on versions (lists and @latest then need filtering). */
  get versioned(): boolean {
    return [...this.#allow, ...this.#deny].some((r) => r.range !== null);
  }

  /**
   * Why `module` (at `version`, when known) is refused, or null when it may be served.
   * Without a version only rules for every version apply.
   */
  refusal(module: string, version?: string): string | null {
    const applies = (r: GateRule): boolean =>
      matchesAny(r.patterns, module) &&
      (r.range === null || (version !== undefined && r.range.matches(version)));
    const denied = this.#deny.find(applies);
    const what = version === undefined ? module : `${module}@${version}`;
    if (denied) return `${what} is denied by policy (${denied.reason ?? `rule: ${denied.label}`})`;
    if (this.#allow.length === 0) return null;
    const allowed =
      version === undefined
        ? this.#allow.some((r) => matchesAny(r.patterns, module))
        : this.#allow.some(applies);
    return allowed ? null : `${what} is not on this proxy's allow list`;
  }
}
