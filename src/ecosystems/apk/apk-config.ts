// The `apk` instance schema: the shared repository settings and the largest index accepted.
import { z } from 'zod';
import { size } from '../../config/types.js';
import { repoFields } from '../common/repo-config.js';

export const apkSchema = z
  .object({
    type: z.literal('apk'),
    ...repoFields('1h'),
    max_apkindex_size: size.default('64MiB'),
  })
  .strict();

export type ApkConfig = z.output<typeof apkSchema>;
