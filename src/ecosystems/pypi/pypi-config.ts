// The `pypi` instance schema: the index URLs (what pip calls `--index-url`) tried in order, extra
// indexes that own the projects named for them, the hosts files may live on, and how long
// index pages are served before the upstream is asked again.
import { z } from 'zod';
import {
  busyPolicy,
  duration,
  httpUrl,
  instanceBase,
  size,
  upstreamEntry,
} from '../../config/types.js';
import { normalize } from './project-name.js';

const upstreams = z.array(upstreamEntry).min(1, 'needs at least one upstream');

/** A glob over normalized project names (`corp-*`); written names are normalized too. */
const projectPattern = z
  .string()
  .regex(/^[A-Za-z0-9._*?[\]-]+$/, 'must be a project name or a glob such as corp-*')
  .transform((p) => normalize(p));

const origin = z.union([z.literal('*'), httpUrl.transform((u) => new URL(u).origin)]);

export const pypiSchema = z
  .object({
    type: z.literal('pypi'),
    ...instanceBase,
    /** Simple index URLs, tried in order (next on connect failures and 5xx). */
    upstreams: upstreams.default([{ url: 'https://pypi.org/simple/', headers: {} }]),
    /**
     * Other indexes, each the only source of the projects its patterns name: a private index's
     * projects are never looked up on (or merged with) the public one.
     */
    extra: z
      .array(
        z
          .object({
            upstreams,
            projects: z.array(projectPattern).min(1, 'needs at least one project pattern'),
            /**
             * Also list the default index's files on these projects' pages (pip's
             * --extra-index-url behaviour, for these projects only); this index's file wins
             * where both have one of the same name.
             */
            merge: z.boolean().default(false),
          })
          .strict(),
      )
      .default([]),
    /** Hosts besides the indexes' own that pages may put files on (`*` for any). */
    file_hosts: z.array(origin).default(['https://files.pythonhosted.org']),
    /** How long an index page is served before the upstream is asked again. */
    fresh_for: duration.default('5m'),
    busy_policy: busyPolicy.default('stale'),
    /**
     * pip sends `Cache-Control: max-age=0` for every index page. `ignore` serves it within
     * `fresh_for` like any request; `honor` asks the upstream first (a round trip per page).
     */
    client_revalidation: z.enum(['ignore', 'honor']).default('ignore'),
    /** How long "no such project" is remembered. */
    negative_ttl: duration.default('1m'),
    /** Drop cached objects not read for this long. */
    expire_after: duration.optional(),
    max_page_size: size.default('512MiB'),
    max_file_size: size.default('16GiB'),
  })
  .strict();

export type PypiConfig = z.output<typeof pypiSchema>;
