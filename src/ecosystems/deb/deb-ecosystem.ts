// The `deb` ecosystem: a pull-through apt mirror. Suites (and flat repositories) are discovered
// from requests and kept as generations: InRelease, Release and the indexes clients use are
// served from one verified set, never a mix; packages are verified against Packages before they
// are kept; an outage serves the last set, never a 404.
import { repoEcosystemType } from '../common/repo-instance.js';
import { debSchema } from './deb-config.js';
import { debFormat } from './deb-format.js';
import { placeOf } from './deb-path.js';

export const debEcosystem = repoEcosystemType(debSchema, {
  type: 'deb',
  format: debFormat,
  place: placeOf,
  maxTopSize: (cfg) => cfg.max_release_size,
  clientSetup: (baseUrl) =>
    [
      '# /etc/apt/sources.list.d/trove.sources (the suite and components of your system)',
      'Types: deb',
      `URIs: ${baseUrl}/`,
      'Suites: bookworm bookworm-updates',
      'Components: main',
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    ].join('\n'),
});
