// The `rpm` instance schema: the shared repository settings and the largest repomd.xml accepted.
import { z } from 'zod';
import { size } from '../../config/types.js';
import { maxIndexSize, repoFields } from '../common/repo-config.js';

export const rpmSchema = z
  .object({
    type: z.literal('rpm'),
    ...repoFields('1h'),
    ...maxIndexSize,
    max_repomd_size: size.default('16MiB'),
  })
  .strict();

export type RpmConfig = z.output<typeof rpmSchema>;
