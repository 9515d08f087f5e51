// The `pacman` ecosystem: a pull-through mirror for Arch Linux and its derivatives. Each
// repository's databases (`.db`, `.files` and their signatures) are discovered from pacman's
// requests and kept as one generation, refreshed conditionally; If-Modified-Since on a
// database is a 304 only when unchanged; packages are verified against `%SHA256SUM%` and
// `%CSIZE%` before they are kept; with the mirror down the last databases are served.
import { repoEcosystemType } from '../common/repo-instance.js';
import { pacmanSchema } from './pacman-config.js';
import { pacmanFormat } from './pacman-format.js';
import { placeOf } from './pacman-path.js';

export const pacmanEcosystem = repoEcosystemType(pacmanSchema, {
  type: 'pacman',
  format: pacmanFormat,
  place: placeOf,
  maxTopSize: (cfg) => cfg.max_db_size,
  clientSetup: (baseUrl) =>
    ['# /etc/pacman.d/mirrorlist (first line)', `Server = ${baseUrl}/$repo/os/$arch`].join('\n'),
});
