// The mounts the fuzz and fault runs aim at, one per ecosystem. A new ecosystem adds its mount
// here: its instance config against the run's origin, and sample paths to mutate.
export interface Mount {
  name: string;
  /** Request prefix on Trove. */
  prefix: string;
  /** Upstream path prefixes its requests may use; any other path is an escape. */
  bases: string[];
  /** The instance's YAML (two-space indented under `instances:`), given the origin URL. */
  yaml(origin: string): string;
  /** Valid-looking paths below the prefix, for mutation. */
  samples: string[];
}

export const MOUNTS: Mount[] = [
  {
    name: 'files',
    prefix: '/files/',
    bases: ['/base/'],
    yaml: (o) =>
      `  files:\n    type: file\n    upstreams: ['${o}/base/']\n    include_query: true\n`,
    samples: ['obj-0.bin', 'obj-3.bin', 'dir/sub/file.tar.gz', 'a/b/c?x=1'],
  },
  {
    name: 'go',
    prefix: '/go/',
    bases: ['/gobase/'],
    yaml: (o) =>
      `  go:\n    type: go\n    path: /go\n    upstreams: ['${o}/gobase/']\n    verify: false\n`,
    samples: [
      'example.com/mod/@v/list',
      'example.com/mod/@v/v1.0.0.info',
      'example.com/mod/@v/v1.0.0.zip',
      'example.com/!my!mod/@latest',
      'sumdb/sum.golang.org/supported',
    ],
  },
  {
    name: 'oci',
    prefix: '/v2/',
    bases: ['/v2/'],
    yaml: (o) =>
      `  oci:\n    type: oci\n    registries:\n      docker.io: '${o}'\n      reg.test: '${o}'\n`,
    samples: [
      'library/alpine/manifests/3',
      'reg.test/team/app/manifests/v1',
      `team/app/blobs/sha256:${'a'.repeat(64)}`,
      'team/app/tags/list?n=10&last=x',
      'library/alpine/referrers/sha256:' + 'b'.repeat(64),
    ],
  },
  {
    name: 'npm',
    prefix: '/npm/',
    bases: ['/npmbase/'],
    yaml: (o) => `  npm:\n    type: npm\n    upstreams: ['${o}/npmbase/']\n`,
    samples: [
      'left-pad',
      '@scope%2fpkg',
      '@scope/pkg/-/pkg-1.0.0.tgz',
      'left-pad/-/left-pad-1.3.0.tgz',
      '-/v1/search?text=x&size=1',
      'left-pad/latest',
    ],
  },
  {
    name: 'pypi',
    prefix: '/pypi/',
    bases: ['/pypibase/'],
    yaml: (o) =>
      `  pypi:\n    type: pypi\n    upstreams: ['${o}/pypibase/simple/']\n    file_hosts: []\n`,
    samples: [
      'simple/',
      'simple/requests/',
      'simple/Foo_Bar/',
      `files/requests/${'c'.repeat(64)}/requests-2.0-py3-none-any.whl`,
      `files/requests/${'c'.repeat(64)}/requests-2.0-py3-none-any.whl.metadata`,
      'files/requests/nohash/requests-2.0.tar.gz',
      'pypi/requests/json',
      'pypi/requests/2.0/json',
    ],
  },
  {
    name: 'cargo',
    prefix: '/cargo/',
    bases: ['/cargobase/'],
    yaml: (o) => `  cargo:\n    type: cargo\n    upstreams: ['${o}/cargobase/']\n`,
    samples: [
      'config.json',
      'se/rd/serde',
      '3/s/syn',
      '1/a',
      'api/v1/crates/serde/1.0.0/download',
      'api/v1/crates/Serde/1.0.0-rc.1+build/download',
    ],
  },
  {
    name: 'maven',
    prefix: '/maven/',
    bases: ['/mavenbase/'],
    yaml: (o) => `  maven:\n    type: maven\n    upstreams: ['${o}/mavenbase/']\n`,
    samples: [
      'org/example/lib/1.0/lib-1.0.jar',
      'org/example/lib/1.0/lib-1.0.pom.sha1',
      'org/example/lib/maven-metadata.xml',
      'org/example/lib/maven-metadata.xml.sha256',
      'org/example/lib/1.0-SNAPSHOT/lib-1.0-20240102.030405-1.jar',
      'org/example/lib/1.0/lib-1.0.jar.asc',
    ],
  },
  {
    name: 'deb',
    prefix: '/deb/',
    bases: ['/debbase/'],
    yaml: (o) => `  deb:\n    type: deb\n    upstreams: ['${o}/debbase/']\n    first_wait: 2s\n`,
    samples: [
      'dists/stable/InRelease',
      'dists/stable/Release.gpg',
      'dists/stable/main/binary-amd64/Packages.xz',
      `dists/stable/main/binary-amd64/by-hash/SHA256/${'d'.repeat(64)}`,
      'pool/main/h/hello/hello_2.10-3_amd64.deb',
      'flat/InRelease',
      'ls-lR.gz',
    ],
  },
  {
    name: 'rpm',
    prefix: '/rpm/',
    bases: ['/rpmbase/'],
    yaml: (o) => `  rpm:\n    type: rpm\n    upstreams: ['${o}/rpmbase/']\n    first_wait: 2s\n`,
    samples: [
      'releases/41/Everything/x86_64/os/repodata/repomd.xml',
      'releases/41/Everything/x86_64/os/repodata/repomd.xml.asc',
      `releases/41/Everything/x86_64/os/repodata/${'a'.repeat(64)}-primary.xml.zst`,
      'releases/41/Everything/x86_64/os/Packages/h/hello-2.12-1.fc41.x86_64.rpm',
      'repodata/repomd.xml',
      'metalink?repo=fedora-41&arch=x86_64',
    ],
  },
  {
    name: 'pacman',
    prefix: '/pacman/',
    bases: ['/pacmanbase/'],
    yaml: (o) =>
      `  pacman:\n    type: pacman\n    upstreams: ['${o}/pacmanbase/']\n    first_wait: 2s\n`,
    samples: [
      'core/os/x86_64/core.db',
      'core/os/x86_64/core.files.sig',
      'core/os/x86_64/bash-5.2.026-2-x86_64.pkg.tar.zst',
      'core/os/x86_64/bash-5.2.026-2-x86_64.pkg.tar.zst.sig',
      'custom.db',
      'lastsync',
    ],
  },
  {
    name: 'apk',
    prefix: '/apk/',
    bases: ['/apkbase/'],
    yaml: (o) => `  apk:\n    type: apk\n    upstreams: ['${o}/apkbase/']\n    first_wait: 2s\n`,
    samples: [
      'v3.20/main/x86_64/APKINDEX.tar.gz',
      'v3.20/main/x86_64/busybox-1.36.1-r29.apk',
      'v3.20/main/x86_64/Packages.adb',
      'edge/testing/aarch64/APKINDEX.tar.gz',
      'last-updated',
    ],
  },
];
