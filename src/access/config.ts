// The `access` section (identities, rules, limits) and each instance's own `access` key.
import { z } from 'zod';
import { duration, httpUrl, pemFile, secret } from '../config/types.js';
import { ACTIONS, accessRule, anonymous, list } from './rules-config.js';

export { ACTIONS, accessRule, instanceAccess } from './rules-config.js';
export type { AccessRule, Action, InstanceAccess } from './rules-config.js';

/** bcrypt hashes ($2a$, $2b$, $2y$) with a cost from 4 to 14. */
export const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
export const MAX_BCRYPT_COST = 14;

export function bcryptProblem(hash: string): string | null {
  const m = BCRYPT.exec(hash);
  if (!m) return 'is not a bcrypt hash ($2y$...); other schemes are refused';
  const cost = Number(m[1]);
  if (cost < 4 || cost > MAX_BCRYPT_COST) {
    return `has bcrypt cost ${cost}; use 4 to ${MAX_BCRYPT_COST} (a higher cost lets a flood of bad passwords pin the CPU)`;
  }
  return null;
}

const user = z
  .object({
    name: z.string().regex(/^[^:\s]+$/, 'user names have no spaces or colons'),
    /** A bcrypt hash, as `htpasswd -nB` writes it. */
    password_hash: z
      .string()
      .superRefine((h, ctx) => {
        const why = bcryptProblem(h);
        if (why) ctx.addIssue({ code: z.ZodIssueCode.custom, message: why });
      })
      .optional(),
    /** The password itself, from an env var or a file. */
    password: secret.optional(),
    groups: z.array(z.string().min(1)).default([]),
  })
  .strict()
  .superRefine((u, ctx) => {
    if ((u.password_hash === undefined) === (u.password === undefined)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'give exactly one of password_hash or password',
      });
    }
  });

const token = z
  .object({
    name: z.string().min(1),
    /** sha256 (hex) of the token; `trove token` makes a token and this line. */
    sha256: z
      .string()
      .regex(
        /^[0-9a-f]{64}$/,
        'must be the sha256 of the token in lower-case hex (never the token)',
      ),
    groups: z.array(z.string().min(1)).default([]),
    /** The most this token may do, whatever the rules allow. */
    scopes: z.array(z.enum(ACTIONS)).min(1).default(['read', 'fetch']),
    expires: z.coerce.date().optional(),
  })
  .strict();

// Only asymmetric algorithms: a shared-secret HS256 key taken for an RSA public key (the classic
// confusion) or `none` can never verify.
const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

const issuer = z
  .object({
    name: z.string().min(1),
    issuer: httpUrl,
    audience: list,
    /** Where the keys are; else from the issuer's OpenID discovery document. */
    jwks_url: httpUrl.optional(),
    /** A static public key (PEM) instead of a JWKS. */
    public_key: pemFile.optional(),
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).default(['RS256', 'ES256', 'EdDSA']),
    /** The subject, from claims: `{claim}` is replaced by the claim's value. */
    subject: z.string().min(1).default('{sub}'),
    /** Groups, each a template like the subject; a template with a missing claim is skipped. */
    groups: z.array(z.string().min(1)).default([]),
    /** A claim holding a list of group names. */
    groups_claim: z.string().min(1).optional(),
    /** Claims that must have these exact values (e.g. `repository_owner: acme`). */
    require: z.record(z.string()).default({}),
    clock_skew: duration.default('30s'),
  })
  .strict()
  .superRefine((j, ctx) => {
    if (j.jwks_url && j.public_key) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'give jwks_url or public_key, not both',
      });
    }
  });

export const accessConfig = z
  .object({
    /** An htpasswd file (bcrypt entries only), read again when it changes. */
    htpasswd: z.string().min(1).optional(),
    users: z.array(user).default([]),
    tokens: z.array(token).default([]),
    jwt: z.array(issuer).default([]),
    /** Group members by group name, on top of the groups each identity brings. */
    groups: z.record(z.array(z.string().min(1))).default({}),
    /** Rules for every instance, checked after the instance's own. */
    rules: z.array(accessRule).default([]),
    anonymous: anonymous.default('none'),
    /** Who may read /metrics (besides metrics.token). */
    metrics: z.array(z.string().min(1)).default([]),
    /** Who may use the web UI's admin actions (purge, refresh): subjects, `group:x`. */
    admin: z.array(z.string().min(1)).default([]),
    /** How long a verified credential is trusted before it is checked again. */
    cache_for: duration.default('1m'),
    /** Failed credential checks per client address before it gets 429s. */
    failures: z
      .object({
        limit: z.number().int().min(1).default(10),
        window: duration.default('1m'),
      })
      .strict()
      .default({}),
    /** Lifetime of the tokens Trove issues (the registry token realm). */
    token_ttl: duration.default('1h'),
  })
  .strict();
export type AccessConfig = z.output<typeof accessConfig>;
