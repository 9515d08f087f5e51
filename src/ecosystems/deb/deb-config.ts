// The `deb` instance schema: the shared repository settings, what to do once a published set's
// Valid-Until has passed, and the largest InRelease accepted.
import { z } from 'zod';
import { size } from '../../config/types.js';
import { maxIndexSize, repoFields } from '../common/repo-config.js';

export const debSchema = z
  .object({
    type: z.literal('deb'),
    ...repoFields('1h'),
    ...maxIndexSize,
    /**
     * Past Valid-Until with no newer set to be had: `serve` the expired set (apt reports it
     * expired) or `fail` with 504.
     */
    expired: z.enum(['serve', 'fail']).default('serve'),
    max_release_size: size.default('32MiB'),
  })
  .strict();

export type DebConfig = z.output<typeof debSchema>;
