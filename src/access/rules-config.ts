// The access rules' schema (no other config blocks: instance schemas include it).
import { z } from 'zod';

export const ACTIONS = ['read', 'fetch'] as const;
export type Action = (typeof ACTIONS)[number];

/** What anonymous clients may do: nothing, read what is cached, or also cause fetches. */
export const anonymous = z.enum(['none', 'read', 'fetch']);

export const list = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((v) => (typeof v === 'string' ? [v] : v));

export const accessRule = z
  .object({
    /** Subjects: a name, `group:<name>`, `*` (anyone authenticated) or `anonymous`. */
    who: list,
    /** Names in the ecosystem's own terms, as globs. */
    names: list.default(['**']),
    allow: z.array(z.enum(ACTIONS)).default([]),
    deny: z.array(z.enum(ACTIONS)).default([]),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (!r.allow.length && !r.deny.length) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'needs allow or deny' });
    }
    for (const a of r.allow) {
      if (r.deny.includes(a)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `"${a}" is both allowed and denied`,
        });
      }
    }
  });
export type AccessRule = z.output<typeof accessRule>;

/** An instance's own `access` key. */
export const instanceAccess = z
  .object({
    anonymous: anonymous.optional(),
    rules: z.array(accessRule).default([]),
  })
  .strict();
export type InstanceAccess = z.output<typeof instanceAccess>;
