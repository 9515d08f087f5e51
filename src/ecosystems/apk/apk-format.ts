// The apk repository format for the shared machinery: a root is the directory of an
// APKINDEX.tar.gz (`v3.20/main/x86_64`), which alone makes a generation and lists the packages
// beside it. A package is checked by its control member's digest, not a whole-file hash.
import type { RepoFormat } from '../../repos/repo-format.js';
import { apkRefs, readApkIndex } from './apk-index.js';
import { verifyApk } from './apk-package.js';

export const APKINDEX = 'APKINDEX.tar.gz';

export const apkFormat: RepoFormat = {
  topNames: () => [APKINDEX],

  async parseTop(_root, bodies) {
    const index = bodies.get(APKINDEX);
    if (!index) return null;
    await readApkIndex(index);
    return { files: new Map(), validUntil: null, date: null };
  },

  packageSource: (path) => (path === APKINDEX ? path : null),

  async *readPackages(_path, body) {
    yield apkRefs((await readApkIndex(body)).text);
  },

  archiveBases: (root) => [root],

  packageCheck(ref) {
    const digest = ref.digests[0];
    if (!digest) return { digests: [] };
    return { digests: [], verify: (body) => verifyApk(body, digest) };
  },
};
