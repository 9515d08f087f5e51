// Zod building blocks shared by the main schema and by each ecosystem's instance schema.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseDuration, parseSize } from '../util/units.js';
import { instanceAccess } from '../access/rules-config.js';

/** A human unit parsed to a number; the parser returns an error message instead on failure. */
function unit(parse: (v: string | number) => number | string) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const n = parse(v);
    if (typeof n === 'string') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: n });
      return z.NEVER;
    }
    return n;
  });
}

/** Milliseconds. */
export const duration = unit(parseDuration);
/** Bytes. */
export const size = unit(parseSize);

export const httpUrl = z.string().refine((u) => {
  try {
    return /^https?:$/.test(new URL(u).protocol);
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL');

/** An upstream base: paths are appended to it, so it carries no query or fragment. */
export const baseUrl = httpUrl.refine(
  (u) => !/[?#]/.test(u),
  'must not have a query or fragment (paths are appended to it)',
);

/** host:port, [v6]:port or a bare port. */
export const listenAddress = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const text = String(v);
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d+)$|^(\d+)$/.exec(text);
  const port = Number(m?.[3] ?? m?.[4]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `"${text}" is not a listen address (use host:port, [::1]:port or a port)`,
    });
    return z.NEVER;
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
});
export type ListenAddress = z.output<typeof listenAddress>;

/**
 * A secret is given inline, or read from an env var or a file at load time.
 * The resolved value is wrapped so it never prints: JSON.stringify and util.inspect show "[secret]".
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[secret]';
  }
  toString(): string {
    return '[secret]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[secret]';
  }
}

// Secrets read env vars from the environment the config is loaded with (tests pass their own).
let secretEnv: NodeJS.ProcessEnv = process.env;
export function withSecretEnv<T>(env: NodeJS.ProcessEnv, fn: () => T): T {
  const saved = secretEnv;
  secretEnv = env;
  try {
    return fn();
  } finally {
    secretEnv = saved;
  }
}

export const secret = z
  .union([
    z.string().min(1),
    z.object({ env: z.string().min(1) }).strict(),
    z.object({ file: z.string().min(1) }).strict(),
  ])
  .transform((v, ctx) => {
    if (typeof v === 'string') return new Secret(v);
    if ('env' in v) {
      const value = secretEnv[v.env];
      if (value === undefined || value === '') {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `env var ${v.env} is not set` });
        return z.NEVER;
      }
      return new Secret(value);
    }
    try {
      return new Secret(readFileSync(v.file, 'utf8').trim());
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `cannot read ${v.file} (${why})` });
      return z.NEVER;
    }
  });

export const policyMode = z.enum(['bypass', 'immutable', 'revalidate']);
export const busyPolicy = z.enum(['stale', 'wait']);

/** The policy knobs an instance sets by default and a rule may override. */
export const policyFields = {
  policy: policyMode.optional(),
  fresh_for: duration.optional(),
  busy_policy: busyPolicy.optional(),
  expire_after: duration.optional(),
  negative_ttl: duration.optional(),
};

const upstreamObject = z
  .object({
    url: baseUrl,
    headers: z.record(z.string()).default({}),
    auth: z
      .union([
        z.object({ bearer: secret }).strict(),
        /** Sent as it is, with no scheme (cargo registries' tokens). */
        z.object({ token: secret }).strict(),
        z.object({ username: z.string(), password: secret }).strict(),
      ])
      .optional(),
  })
  .strict();

export const upstreamEntry = z
  .union([baseUrl, upstreamObject])
  .transform((v) => (typeof v === 'string' ? { url: v, headers: {} } : v));
/** An upstream after validation; ecosystems with chain semantics (Go) also set `fallthrough`. */
export type UpstreamEntry = z.output<typeof upstreamEntry> & {
  fallthrough?: 'unavailable' | 'not-found' | 'any-error';
};

const mountPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must start with / and use only URL-safe characters');

/** Keys every instance has, whatever its ecosystem. */
export const instanceBase = {
  /** One mount path or several; the ecosystem type's default paths when absent. */
  path: z
    .union([mountPath, z.array(mountPath).min(1, 'needs at least one path')])
    .transform((p) => (typeof p === 'string' ? [p] : p))
    .optional(),
  hosts: z.array(z.string().min(1)).default([]),
  bind: listenAddress.optional(),
  offline: z.boolean().optional(),
  /** This instance's access rules (used when the top-level `access` section is present). */
  access: instanceAccess.optional(),
};

/** Re-reports a nested parse's issues at the current position, keeping their exact messages. */
export function forwardIssues(
  ctx: z.RefinementCtx,
  error: z.ZodError,
  prefix: (string | number)[] = [],
): never {
  for (const issue of error.issues) {
    ctx.addIssue({ ...issue, path: [...prefix, ...issue.path] } as z.IssueData);
  }
  return z.NEVER as never;
}

/**
 * A key written either as a string or in another form (a mapping, a list). Unlike z.union, a
 * mistake is reported by the form that was meant, not as "Invalid input".
 */
export function stringOr<A extends z.ZodTypeAny, B extends z.ZodTypeAny>(str: A, other: B) {
  return z.unknown().transform((v, ctx): z.output<A> | z.output<B> => {
    const r = (typeof v === 'string' ? str : other).safeParse(v);
    if (!r.success) return forwardIssues(ctx, r.error);
    return r.data as z.output<A> | z.output<B>;
  });
}

/** `auto` (one per core) or a count from 1 to 256; env vars and flags give strings. */
export const workerCount = z.union([z.string(), z.number()]).transform((v, ctx) => {
  if (v === 'auto') return availableParallelism();
  const n = typeof v === 'number' ? v : /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (Number.isInteger(n) && n >= 1 && n <= 256) return n;
  ctx.addIssue({
    code: 'custom',
    message: `must be "auto" or a whole number from 1 to 256, got ${JSON.stringify(v)}`,
  });
  return z.NEVER;
});

/** A PEM file, read once at load (its path kept for messages and for child processes). */
export const pemFile = z.string().transform((file, ctx) => {
  try {
    return { path: file, pem: readFileSync(file, 'utf8') };
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `cannot read ${file} (${why})` });
    return z.NEVER;
  }
});
