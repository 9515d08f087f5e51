// The `go` instance schema. Upstreams form a GOPROXY-style chain: after "," the next proxy is
// tried only on 404/410, after "|" on any error. It can be written as the go command's string
// or as a list whose entries say what lets a request fall through to the next.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  duration,
  httpUrl,
  forwardIssues,
  instanceBase,
  Secret,
  secret,
  stringOr,
  upstreamEntry,
  type UpstreamEntry,
} from '../../config/types.js';
import { parseNetrc, type GitAuth } from './direct/credentials.js';
import { checkPattern } from './patterns.js';
import { parseVerifierKey } from './sumdb/note.js';
import { parseVersionRange } from './version-range.js';
import { parseGoSumdb } from './gosumdb.js';

export const SUM_GOLANG_ORG = {
  name: 'sum.golang.org',
  url: 'https://sum.golang.org',
  key: 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8',
};

function chainError(entry: string): string | null {
  if (entry === 'direct') return null;
  if (entry === 'off') return '"off" is not an upstream; remove the instance instead';
  return httpUrl.safeParse(entry).success ? null : `"${entry}" must be an http(s) URL`;
}

/** "a,b|c" → entries with the separator that follows each. */
const goproxyString = z.string().transform((s, ctx) => {
  const out: UpstreamEntry[] = [];
  const re = /([^,|]*)([,|]|$)/g;
  for (let m = re.exec(s); m && m[0] !== ''; m = re.exec(s)) {
    const url = (m[1] ?? '').trim();
    const why = url === '' ? 'empty entry in the GOPROXY list' : chainError(url);
    if (why) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: why });
      return z.NEVER;
    }
    out.push({ url, headers: {}, fallthrough: m[2] === '|' ? 'any-error' : 'not-found' });
  }
  if (out.length === 0)
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'needs at least one upstream' });
  return out;
});

/** An upstream list entry: a URL, or an upstream object with `fallthrough`. */
const chainEntry = z.unknown().transform((v, ctx): UpstreamEntry => {
  if (typeof v === 'string') {
    const why = chainError(v);
    if (why) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: why });
      return z.NEVER;
    }
    if (v === 'direct') return { url: 'direct', headers: {}, fallthrough: 'not-found' };
  }
  const obj = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  const fall = obj
    ? z.enum(['not_found', 'any_error']).default('not_found').safeParse(obj['fallthrough'])
    : null;
  if (fall && !fall.success) return forwardIssues(ctx, fall.error, ['fallthrough']);
  const rest = obj
    ? Object.fromEntries(Object.entries(obj).filter(([k]) => k !== 'fallthrough'))
    : v;
  const parsed = upstreamEntry.safeParse(rest);
  if (!parsed.success) return forwardIssues(ctx, parsed.error);
  return { ...parsed.data, fallthrough: fall?.data === 'any_error' ? 'any-error' : 'not-found' };
});

/** A GOPROXY string or a list of entries. */
const chain = stringOr(goproxyString, z.array(chainEntry).min(1, 'needs at least one upstream'));

const pattern = z.string().superRefine((p, ctx) => {
  if (/[{}]/.test(p)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `"${p}": braces are not part of Go's pattern syntax`,
    });
    return;
  }
  for (const part of p
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const why = checkPattern(part);
    if (why) ctx.addIssue({ code: z.ZodIssueCode.custom, message: why });
  }
});

const gateRule = z
  .object({
    module: z.union([pattern, z.array(pattern).min(1)]),
    versions: z
      .string()
      .superRefine((r, ctx) => {
        const parsed = parseVersionRange(r);
        if (typeof parsed === 'string')
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed });
      })
      .optional(),
    reason: z.string().min(1).optional(),
  })
  .strict();

const sumdb = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._+-]+$/, 'must be a checksum database name like sum.golang.org'),
    url: httpUrl,
    key: z.string().superRefine((k, ctx) => {
      try {
        parseVerifierKey(k);
      } catch (err) {
        const why = (err as Error).message;
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${why} (want <name>+<hash>+<key>)` });
      }
    }),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.key.startsWith(`${s.name}+`))
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['key'],
        message: `must start with "${s.name}+"`,
      });
  });

/** `direct` credentials, told apart by their key so errors name the form that was meant. */
const gitAuth = z.unknown().transform((v, ctx): GitAuth => {
  const keys = typeof v === 'object' && v !== null ? Object.keys(v) : [];
  const form = ['github_app', 'netrc', 'token', 'bearer'].find((k) => keys.includes(k));
  const schema =
    form === 'github_app'
      ? githubApp
      : form === 'netrc'
        ? netrcAuth
        : form === 'token'
          ? z.object({ token: secret, username: z.string().min(1).optional() }).strict()
          : form === 'bearer'
            ? z.object({ bearer: secret }).strict()
            : z.object({ username: z.string().min(1), password: secret }).strict();
  const r = schema.safeParse(v);
  if (!r.success) return forwardIssues(ctx, r.error);
  return r.data as GitAuth;
});

const githubApp = z
  .object({
    github_app: z
      .object({
        app_id: z.union([z.string().min(1), z.number().int()]).transform(String),
        installation_id: z.union([z.string().min(1), z.number().int()]).transform(String),
        private_key: secret.superRefine((k, ctx) => {
          try {
            createPrivateKey(k.reveal());
          } catch {
            ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'is not a PEM private key' });
          }
        }),
        api_url: httpUrl.default('https://api.github.com'),
      })
      .strict(),
  })
  .strict();

const netrcAuth = z
  .object({
    netrc: z.string().transform((file, ctx) => {
      try {
        return parseNetrc(readFileSync(file, 'utf8')).map((e) => ({
          ...e,
          password: new Secret(e.password),
        }));
      } catch (err) {
        const why = (err as NodeJS.ErrnoException).code ?? 'unreadable';
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `cannot read ${file} (${why})` });
        return z.NEVER;
      }
    }),
  })
  .strict();

const repoRule = z
  .object({
    /** One module path pattern (GOPRIVATE syntax), e.g. git.corp.example.com or *.corp.example.com/team. */
    prefix: z
      .string()
      .min(1)
      .superRefine((p, ctx) => {
        const why = p.includes(',') ? 'one pattern per rule' : checkPattern(p);
        if (why) ctx.addIssue({ code: z.ZodIssueCode.custom, message: why });
      }),
    url: z
      .string()
      .regex(
        /^https?:\/\/[^\s]+$/,
        'must be an http(s) URL template, e.g. https://git.example.com/{1}/{2}.git',
      )
      .optional(),
    insecure: z.boolean().default(false),
    auth: gitAuth.optional(),
  })
  .strict();

export const goSchema = z
  .object({
    type: z.literal('go'),
    ...instanceBase,
    upstreams: chain.default('https://proxy.golang.org') as z.ZodType<
      UpstreamEntry[],
      z.ZodTypeDef,
      unknown
    >,
    /** GOPRIVATE syntax: never asked of public proxies or checksum databases. */
    private: stringOr(pattern, z.array(pattern)).default([]),
    /** GONOPROXY syntax: fetched from version control, never from the proxies; still verified. */
    noproxy: stringOr(pattern, z.array(pattern)).default([]),
    /** GOINSECURE syntax: repositories that may be reached over plain HTTP. */
    insecure: stringOr(pattern, z.array(pattern)).default([]),
    /** GOSUMDB syntax; when set, it replaces `sumdb` (or `verify`, for `off`). */
    gosumdb: z.string().optional(),
    allow: z.array(gateRule).default([]),
    deny: z.array(gateRule).default([]),
    /** Freshness of query answers (@latest, list, branch or commit .info). */
    query_fresh_for: duration.default('1m'),
    sumdb: z.array(sumdb).default([SUM_GOLANG_ORG]),
    /** Check .mod and .zip from upstreams against the first `sumdb` before caching them. */
    verify: z.boolean().default(true),
    /** GONOSUMDB syntax: modules that are cached without a checksum database check. */
    nosumdb: stringOr(pattern, z.array(pattern)).default([]),
    /** Freshness of checksum database `latest` and partial tiles. */
    sumdb_fresh_for: duration.default('1m'),
    direct: z
      .object({
        repos: z.array(repoRule).default([]),
        /** How long a repository's tags and branches are trusted before fetching again. */
        refresh: duration.default('1m'),
        timeout: duration.default('10m'),
      })
      .strict()
      .default({}),
    negative_ttl: duration.default('1m'),
    expire_after: duration.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.gosumdb !== undefined) {
      const parsed = parseGoSumdb(cfg.gosumdb, SUM_GOLANG_ORG);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['gosumdb'], message: parsed });
        return;
      }
      const key = sumdb.safeParse(parsed.off ? SUM_GOLANG_ORG : parsed.db);
      if (!key.success) {
        const message = key.error.issues[0]?.message ?? 'not a verifier key';
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['gosumdb'], message });
      }
      return;
    }
    if (cfg.verify && cfg.sumdb.length === 0) {
      const message = 'needs a `sumdb` entry to verify against, or `verify: false`';
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['verify'], message });
    }
  })
  .transform((cfg) => {
    if (cfg.gosumdb === undefined) return cfg;
    const parsed = parseGoSumdb(cfg.gosumdb, SUM_GOLANG_ORG);
    if (typeof parsed === 'string') return cfg; // refused above
    // `off`: cached unverified, as the go command would; the /sumdb/ proxy stays.
    if (parsed.off) return { ...cfg, verify: false };
    return { ...cfg, sumdb: [parsed.db, ...cfg.sumdb.filter((s) => s.name !== parsed.db.name)] };
  });

export type GoConfig = z.output<typeof goSchema>;
