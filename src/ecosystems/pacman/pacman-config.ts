// The `pacman` instance schema: the shared repository settings (refreshed every two minutes by
// default, as Arch mirrors change often) and the largest database accepted.
import { z } from 'zod';
import { size } from '../../config/types.js';
import { repoFields } from '../common/repo-config.js';

export const pacmanSchema = z
  .object({
    type: z.literal('pacman'),
    ...repoFields('2m'),
    /** The largest `.db` or `.files` database accepted (Arch's `extra.files` is tens of MB). */
    max_db_size: size.default('512MiB'),
  })
  .strict();

export type PacmanConfig = z.output<typeof pacmanSchema>;
