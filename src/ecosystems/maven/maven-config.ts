// The `maven` instance schema: the repositories tried in order, an optional second group tried
// only when the first says "not found" (a plugin portal), and how long metadata and snapshots
// are served before the repository is asked again.
import { z } from 'zod';
import { busyPolicy, duration, instanceBase, size, upstreamEntry } from '../../config/types.js';
import { policyConfig } from '../common/policy.js';

export const mavenSchema = z
  .object({
    type: z.literal('maven'),
    ...instanceBase,
    /** Repository roots, tried in order (next on connect failures and 5xx). */
    upstreams: z
      .array(upstreamEntry)
      .min(1, 'needs at least one upstream')
      .default([{ url: 'https://repo.maven.apache.org/maven2/', headers: {} }]),
    /** Tried, in order, only when `upstreams` answer 404 (e.g. https://plugins.gradle.org/m2/). */
    fallback: z.array(upstreamEntry).default([]),
    /** How long maven-metadata.xml and SNAPSHOT files are served before asking again. */
    fresh_for: duration.default('5m'),
    busy_policy: busyPolicy.default('stale'),
    /** How long "not found" is remembered (Maven clients retry only when told to). */
    negative_ttl: duration.default('1m'),
    expire_after: duration.optional(),
    /** Per-path overrides (globs over the repository path), as in every instance. */
    rules: policyConfig.rules,
    max_artifact_size: size.default('8GiB'),
  })
  .strict();

export type MavenConfig = z.output<typeof mavenSchema>;
