// The `apk` ecosystem: a pull-through mirror for Alpine's apk-tools. Each APKINDEX.tar.gz is
// discovered from requests and kept as a generation, refreshed conditionally; a package is
// verified before it is kept: its control member against the index's `C:Q1` checksum, its data
// against the control part's datahash. The v3 Packages.adb is relayed.
import { repoEcosystemType } from '../common/repo-instance.js';
import { apkSchema } from './apk-config.js';
import { apkFormat } from './apk-format.js';
import { placeOf } from './apk-path.js';

export const apkEcosystem = repoEcosystemType(apkSchema, {
  type: 'apk',
  format: apkFormat,
  place: placeOf,
  maxTopSize: (cfg) => cfg.max_apkindex_size,
  clientSetup: (baseUrl) =>
    [
      '# /etc/apk/repositories (your release and repositories)',
      `${baseUrl}/v3.20/main`,
      `${baseUrl}/v3.20/community`,
    ].join('\n'),
});
