// Packuments for fake npm registries: a name, versions with real tarballs and checksums, and
// tarball URLs on whichever host the test wants.
import { integrity, tarball } from './npm-tarball.js';

export interface Published {
  doc: Record<string, unknown>;
  /** Tarball bytes by version. */
  tarballs: Map<string, Buffer>;
}

export function packument(
  name: string,
  versions: string[],
  tarballBase: string,
  extra: Record<string, unknown> = {},
): Published {
  const bare = name.split('/').pop() as string;
  const tarballs = new Map<string, Buffer>();
  const vs: Record<string, unknown> = {};
  const time: Record<string, string> = { created: '2020-01-01T00:00:00.000Z' };
  versions.forEach((v, i) => {
    const data = tarball({ 'package.json': JSON.stringify({ name, version: v }) });
    tarballs.set(v, data);
    vs[v] = {
      name,
      version: v,
      scripts: i === 0 ? { postinstall: 'node x.js' } : { test: 'x' },
      readme: 'not in the abbreviated form',
      dependencies: { dep: '^1.0.0' },
      dist: { ...integrity(data), tarball: `${tarballBase}/${name}/-/${bare}-${v}.tgz` },
    };
    time[v] = new Date(Date.UTC(2020, 0, 2 + i)).toISOString();
  });
  time['modified'] = '2024-05-06T07:08:09.123Z';
  return {
    doc: {
      _id: name,
      name,
      'dist-tags': { latest: versions.at(-1) },
      versions: vs,
      time,
      readme: '# hello',
      ...extra,
    },
    tarballs,
  };
}
