// The `rpm` ecosystem: a pull-through mirror for dnf and yum. Repositories are discovered from
// requests for repodata/repomd.xml and kept as generations: repomd.xml and the data files
// clients use come from one verified set, every data file checked against repomd's checksum of
// whatever type; packages are verified against primary's pkgid checksum and size before they
// are kept; cached files answer single and multi-range requests (zchunk).
import { repoEcosystemType } from '../common/repo-instance.js';
import { rpmSchema } from './rpm-config.js';
import { rpmFormat } from './rpm-format.js';
import { placeOf } from './rpm-path.js';

export const rpmEcosystem = repoEcosystemType(rpmSchema, {
  type: 'rpm',
  format: rpmFormat,
  place: placeOf,
  maxTopSize: (cfg) => cfg.max_repomd_size,
  clientSetup: (baseUrl) =>
    [
      '# /etc/yum.repos.d/trove.repo (one section per repository; baseurl, not metalink)',
      '[trove-fedora]',
      'name=Fedora $releasever through Trove',
      `baseurl=${baseUrl}/releases/$releasever/Everything/$basearch/os/`,
      'gpgcheck=1',
    ].join('\n'),
});
