// Policy resolution shared by ecosystems: instance defaults, then per-class settings, then the
// first matching glob rule.
import picomatch from 'picomatch';
import { z } from 'zod';
import { busyPolicy, duration, policyFields, policyMode } from '../../config/types.js';
import type { BusyPolicy, Policy, ResourceClass } from '../../engine/types.js';

const classSettings = z.object(policyFields).strict();

export const policyConfig = {
  default_policy: policyMode.default('revalidate'),
  fresh_for: duration.default('5m'),
  busy_policy: busyPolicy.default('stale'),
  expire_after: duration.optional(),
  negative_ttl: duration.default('1m'),
  classes: z
    .object({ metadata: classSettings, artifact: classSettings, auxiliary: classSettings })
    .partial()
    .strict()
    .default({}),
  rules: z
    .array(
      z
        .object({
          match: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
          class: z.enum(['metadata', 'artifact', 'auxiliary']).optional(),
          ...policyFields,
        })
        .strict(),
    )
    .default([]),
};

export type PolicyConfig = z.output<z.ZodObject<typeof policyConfig>>;
type Overrides = z.output<typeof classSettings>;

export interface PolicyResolver {
  /** The class a rule assigns to the path, if any. */
  classFor(path: string): ResourceClass | undefined;
  resolve(cls: ResourceClass, path: string): Policy;
}

const apply = (p: Policy, o: Overrides): Policy => ({
  mode: o.policy ?? p.mode,
  freshFor: o.fresh_for ?? p.freshFor,
  busy: o.busy_policy ?? p.busy,
  expireAfter: o.expire_after ?? p.expireAfter,
  negativeTtl: o.negative_ttl ?? p.negativeTtl,
});

/** The first matching rule's overrides applied to a policy the ecosystem chose for a path. */
export function ruleOverrides(rules: PolicyConfig['rules']): (path: string, p: Policy) => Policy {
  const compiled = rules.map((r) => ({ ...r, test: picomatch(r.match, { dot: true }) }));
  return (path, p) => {
    const rule = compiled.find((r) => r.test(path));
    return rule ? apply(p, rule) : p;
  };
}

export function policyResolver(cfg: PolicyConfig): PolicyResolver {
  const rules = cfg.rules.map((r) => ({ ...r, test: picomatch(r.match, { dot: true }) }));
  const base: Policy = {
    mode: cfg.default_policy,
    freshFor: cfg.fresh_for,
    busy: cfg.busy_policy,
    expireAfter: cfg.expire_after ?? null,
    negativeTtl: cfg.negative_ttl,
  };
  const firstRule = (path: string) => rules.find((r) => r.test(path));
  return {
    classFor: (path) => firstRule(path)?.class,
    resolve(cls, path) {
      let p = base;
      const c = cfg.classes[cls];
      if (c) p = apply(p, c);
      const rule = firstRule(path);
      return rule ? apply(p, rule) : p;
    },
  };
}

/** The settings of instances whose metadata revalidates by one `fresh_for` (npm, PyPI, Cargo). */
export interface FreshnessConfig {
  fresh_for: number;
  busy_policy: BusyPolicy;
  expire_after?: number | undefined;
}

/** A revalidating policy from an instance's freshness settings, with overrides. */
export function freshness(cfg: FreshnessConfig, over: Partial<Policy> = {}): Policy {
  return {
    mode: 'revalidate',
    freshFor: cfg.fresh_for,
    busy: cfg.busy_policy,
    expireAfter: cfg.expire_after ?? null,
    negativeTtl: 0,
    ...over,
  };
}
