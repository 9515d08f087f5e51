// The `storage.index` and `storage.blobs` keys: which driver keeps the index (SQLite in the
// cache directory, or PostgreSQL shared by replicas) and the bytes (the cache directory, or an
// S3-compatible bucket). A driver may be left out when its own key says which it is: `url`
// means postgres, `bucket` means s3. `replicas:` is how replicas sharing them reach each other.
import { z } from 'zod';
import { duration, httpUrl, listenAddress, pemFile, secret, size } from './types.js';

const withDriver =
  (implied: string, key: string, otherwise: string) =>
  (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || 'driver' in v) return v;
    return { driver: key in v ? implied : otherwise, ...v };
  };

const postgresUrl = secret.refine((s) => /^postgres(ql)?:\/\//.test(s.reveal()), {
  message: 'must be a postgresql:// URL',
});

export const indexDriver = z.preprocess(
  withDriver('postgres', 'url', 'sqlite'),
  z.discriminatedUnion('driver', [
    z.object({ driver: z.literal('sqlite'), path: z.string().optional() }).strict(),
    z
      .object({
        driver: z.literal('postgres'),
        /** postgresql://user:password@host:port/db; a secret, since it may hold a password. */
        url: postgresUrl,
        pool_size: z.number().int().min(1).max(1000).default(10),
        statement_timeout: duration.default('30s'),
        ca_file: pemFile.optional(),
      })
      .strict(),
  ]),
);

export const blobsDriver = z.preprocess(
  withDriver('s3', 'bucket', 'fs'),
  z
    .discriminatedUnion('driver', [
      z.object({ driver: z.literal('fs') }).strict(),
      z
        .object({
          driver: z.literal('s3'),
          bucket: z
            .string()
            .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
          prefix: z
            .string()
            .regex(/^([A-Za-z0-9._-]+\/)*$/, 'must be empty or path segments ending in /')
            .default(''),
          endpoint: z.string().url().optional(),
          region: z.string().min(1).default('us-east-1'),
          /** Path-style URLs (endpoint/bucket/key): most S3-compatible servers need them. */
          path_style: z.boolean().default(false),
          access_key_id: secret.optional(),
          secret_access_key: secret.optional(),
          session_token: secret.optional(),
          ca_file: pemFile.optional(),
          multipart_threshold: size.default('64MiB'),
          part_size: size
            .refine((n) => n >= 5 * 1024 * 1024, 'must be at least 5MiB (the S3 minimum)')
            .default('16MiB'),
          max_connections: z.number().int().min(1).max(4096).default(64),
          /**
           * Large hits answered with a temporary redirect to a presigned URL on the bucket, so
           * their bytes skip Trove (off unless set; such a URL skips Trove's client auth too).
           */
          redirect: z
            .object({
              min_size: size.default('64MiB'),
              expires: duration
                .refine((ms) => ms >= 1000 && ms <= 7 * 86_400_000, 'must be 1s to 7d')
                .default('5m'),
              /** The bucket's endpoint as clients reach it, when it differs from `endpoint`. */
              public_endpoint: z.string().url().optional(),
            })
            .strict()
            .optional(),
        })
        .strict(),
    ])
    .superRefine((b, ctx) => {
      if (b.driver !== 's3') return;
      if ((b.access_key_id === undefined) !== (b.secret_access_key === undefined)) {
        const missing = b.access_key_id === undefined ? 'access_key_id' : 'secret_access_key';
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [missing],
          message:
            'access_key_id and secret_access_key go together (or neither, for the SDK chain)',
        });
      }
    }),
);

/** How replicas that share a PostgreSQL index reach each other to join a live fill. */
export const replicasConfig = z
  .object({
    /** The internal listener other replicas stream live fills from (off when absent). */
    listen: listenAddress.optional(),
    /** This replica's internal URL as the others reach it (default: from `listen`). */
    advertise: httpUrl.optional(),
    /** The secret every replica's internal endpoint shares. */
    token: secret.optional(),
    /** How long a fill lease lasts without renewal (renewed every third of it). */
    lease_ttl: duration.default('30s'),
  })
  .strict()
  .default({});

/** How long a blob with no entry left stays in a bucket (another replica may be reading it). */
export const S3_DELETE_GRACE = 15 * 60_000;

/**
 * A presigned URL must not outlive the blob: a redirected client may start reading just before
 * the URL expires, so the blob must stay longer than that after its last entry goes.
 */
export function checkRedirect(
  storage: { blobs: z.output<typeof blobsDriver>; delete_grace?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  const b = storage.blobs;
  if (b?.driver !== 's3' || !b.redirect) return;
  const grace = storage.delete_grace ?? S3_DELETE_GRACE;
  if (b.redirect.expires >= grace) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['storage', 'blobs', 'redirect', 'expires'],
      message: `must be shorter than storage.delete_grace (${grace / 1000}s), or a redirected client may find its blob deleted`,
    });
  }
}

/** Replicas need a shared index, a token with the listener, and a reachable address. */
export function checkReplicas(
  cfg: {
    replicas: z.output<typeof replicasConfig>;
    storage: { index: { driver: string } };
  },
  ctx: z.RefinementCtx,
): void {
  const r = cfg.replicas;
  if (!r) return;
  const issue = (key: string, message: string): void =>
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['replicas', key], message });
  if (r.listen && cfg.storage?.index?.driver !== 'postgres') {
    issue('listen', 'needs storage.index on PostgreSQL (replicas share one index)');
  }
  if (r.listen && !r.token) issue('token', 'is required with replicas.listen');
  const wildcard = r.listen && (r.listen.host === '0.0.0.0' || r.listen.host === '::');
  if (wildcard && !r.advertise) {
    issue(
      'advertise',
      'is required when replicas.listen binds every address (how do others reach this one?)',
    );
  }
}
