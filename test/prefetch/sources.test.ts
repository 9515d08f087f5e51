// The lockfile, SBOM and list readers of `trove prefetch`: each format's real shape, with the
// cases that trip readers (scoped names, aliases, peer suffixes, continuation lines, markers,
// git and path sources, Docker Hub short names, nested SBOM components).
import { describe, expect, it } from 'vitest';
import { detectFormat, parseSource } from '../../src/prefetch/sources/detect.js';
import { parseImageRef } from '../../src/ecosystems/oci/image-ref.js';
import { fromPurl } from '../../src/prefetch/sources/purl.js';

const pick = (text: string, file: string, format?: string) => {
  const p = parseSource(file, text, format);
  return {
    wanted: p.wanted.map(
      (w) =>
        `${w.ecosystem} ${w.name}@${w.version}${w.only ? ` only=${w.only}` : ''}${w.hashes ? ` ${w.hashes.join(',')}` : ''}`,
    ),
    unusable: p.unusable.map((u) => `${u.what}: ${u.reason}`),
  };
};

describe('prefetch sources', () => {
  it('go.sum: whole modules, and go.mod-only versions once', () => {
    const sum = [
      'github.com/Foo/bar v1.2.3 h1:aaa=',
      'github.com/Foo/bar v1.2.3/go.mod h1:bbb=',
      'golang.org/x/text v0.3.0/go.mod h1:ccc=',
      'golang.org/x/text v0.3.0/go.mod h1:ccc=',
      '',
    ].join('\n');
    expect(pick(sum, '/p/go.sum').wanted).toEqual([
      'go github.com/Foo/bar@v1.2.3',
      'go golang.org/x/text@v0.3.0 only=mod',
    ]);
  });

  it('go.mod: require lines and blocks, comments ignored', () => {
    const mod =
      'module x\n\ngo 1.21\n\nrequire a.example/one v1.0.0\n\nrequire (\n\tb.example/two v0.2.0 // indirect\n\tc.example/three v3.0.0+incompatible\n)\n';
    expect(pick(mod, 'go.mod').wanted).toEqual([
      'go a.example/one@v1.0.0',
      'go b.example/two@v0.2.0',
      'go c.example/three@v3.0.0+incompatible',
    ]);
  });

  it('package-lock.json v3: nested, scoped and aliased packages; links and git left out', () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { name: 'app', dependencies: {} },
        'node_modules/a': { version: '1.0.0', integrity: 'sha512-AAAA' },
        'node_modules/a/node_modules/b': { version: '2.0.0' },
        'node_modules/@s/c': { version: '3.0.0-beta.1' },
        'node_modules/alias': { name: 'real-name', version: '4.0.0' },
        'node_modules/ws-member': { link: true, resolved: 'packages/ws-member' },
        'node_modules/from-git': { version: 'git+ssh://git@example.com/x.git#abc' },
      },
    };
    expect(pick(JSON.stringify(lock), 'package-lock.json')).toEqual({
      wanted: [
        'npm a@1.0.0 sha512-AAAA',
        'npm b@2.0.0',
        'npm @s/c@3.0.0-beta.1',
        'npm real-name@4.0.0',
      ],
      unusable: ['from-git@git+ssh://git@example.com/x.git#abc: not a registry package'],
    });
  });

  it('package-lock.json v1: the dependencies tree', () => {
    const lock = {
      lockfileVersion: 1,
      dependencies: { a: { version: '1.0.0', dependencies: { b: { version: '2.0.0' } } } },
    };
    expect(pick(JSON.stringify(lock), 'npm-shrinkwrap.json').wanted).toEqual([
      'npm a@1.0.0',
      'npm b@2.0.0',
    ]);
  });

  it('pnpm-lock.yaml v6 and v9 keys, with peer suffixes', () => {
    const v6 =
      "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0:\n    resolution: {integrity: sha512-AAAA}\n  /@s/b@2.0.0(react@18.0.0):\n    resolution: {integrity: sha512-BBBB}\n";
    const v9 =
      "lockfileVersion: '9.0'\npackages:\n  c@3.0.0:\n    resolution: {integrity: sha512-CCCC}\n  '@s/d@4.0.0':\n    resolution: {integrity: sha512-DDDD}\n  e@https://codeload.example.com/e/tar.gz/abc:\n    resolution: {tarball: https://codeload.example.com/e/tar.gz/abc}\n";
    expect(pick(v6, 'pnpm-lock.yaml').wanted).toEqual([
      'npm a@1.0.0 sha512-AAAA',
      'npm @s/b@2.0.0 sha512-BBBB',
    ]);
    const p9 = pick(v9, 'pnpm-lock.yaml');
    expect(p9.wanted).toEqual(['npm c@3.0.0 sha512-CCCC', 'npm @s/d@4.0.0 sha512-DDDD']);
    expect(p9.unusable).toHaveLength(1);
  });

  it('yarn.lock v1 and yarn 2+', () => {
    const v1 =
      '# yarn lockfile v1\n\n\n"@s/a@^1.0.0", "@s/a@^1.1.0":\n  version "1.2.0"\n  resolved "https://r.example/@s/a/-/a-1.2.0.tgz#abc"\n  integrity sha512-AAAA\n\nb@^2:\n  version "2.0.1"\n  resolved "https://r.example/b/-/b-2.0.1.tgz"\n\nc@git+https://example.com/c.git:\n  version "0.0.1"\n  resolved "git+https://example.com/c.git#deadbeef"\n';
    expect(pick(v1, 'yarn.lock')).toEqual({
      wanted: ['npm @s/a@1.2.0 sha512-AAAA', 'npm b@2.0.1'],
      unusable: ['c@0.0.1: not a registry package'],
    });
    const berry =
      '__metadata:\n  version: 8\n  cacheKey: 10\n\n"@s/a@npm:^1.0.0":\n  version: 1.2.0\n  resolution: "@s/a@npm:1.2.0"\n  checksum: 10/abc\n\n"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n\n"b@npm:^2, b@npm:^2.0.1":\n  version: 2.0.1\n  resolution: "b@npm:2.0.1"\n';
    expect(pick(berry, 'yarn.lock')).toEqual({
      wanted: ['npm @s/a@1.2.0', 'npm b@2.0.1'],
      unusable: [],
    });
  });

  it('requirements.txt: pins with hashes, continuations, extras and markers; ranges reported', () => {
    const req = [
      '# comment',
      '--index-url https://pypi.example/simple/',
      'Requests[socks]==2.31.0 \\',
      '    --hash=sha256:' + 'a'.repeat(64) + ' \\',
      '    --hash=sha256:' + 'B'.repeat(64),
      'six==1.16.0 ; python_version >= "3"  # trailing comment',
      'flask>=2.0',
      '-r other.txt',
      '',
    ].join('\n');
    expect(pick(req, 'requirements.txt')).toEqual({
      wanted: [
        `pypi Requests@2.31.0 sha256:${'a'.repeat(64)},sha256:${'b'.repeat(64)}`,
        'pypi six@1.16.0',
      ],
      unusable: ['flask>=2.0: not pinned with == (a range has no single version)'],
    });
  });

  it('Cargo.lock: registry packages with checksums; path and git sources left out', () => {
    const lock = [
      'version = 3',
      '',
      '[[package]]',
      'name = "app"',
      'version = "0.1.0"',
      '',
      '[[package]]',
      'name = "serde"',
      'version = "1.0.190"',
      'source = "registry+https://github.com/rust-lang/crates.io-index"',
      `checksum = "${'c'.repeat(64)}"`,
      '',
      '[[package]]',
      'name = "mine"',
      'version = "0.2.0"',
      'source = "sparse+https://cargo.example/index/"',
      '',
      '[[package]]',
      'name = "forked"',
      'version = "0.3.0"',
      'source = "git+https://example.com/forked#abc"',
      '',
    ].join('\n');
    expect(pick(lock, 'Cargo.lock')).toEqual({
      wanted: [`cargo serde@1.0.190 sha256:${'c'.repeat(64)}`, 'cargo mine@0.2.0'],
      unusable: ['forked@0.3.0: source git is not a registry'],
    });
  });

  it('image references are normalised as container clients do', () => {
    expect(parseImageRef('alpine')).toEqual({
      registry: 'docker.io',
      repository: 'library/alpine',
      reference: 'latest',
    });
    expect(parseImageRef('team/app:1.2')).toEqual({
      registry: 'docker.io',
      repository: 'team/app',
      reference: '1.2',
    });
    expect(parseImageRef('ghcr.io/o/i@sha256:' + 'd'.repeat(64))).toEqual({
      registry: 'ghcr.io',
      repository: 'o/i',
      reference: `sha256:${'d'.repeat(64)}`,
    });
    expect(parseImageRef('localhost:5000/x:y')).toEqual({
      registry: 'localhost:5000',
      repository: 'x',
      reference: 'y',
    });
    expect(parseImageRef('Not A Ref')).toBeNull();
    expect(pick('alpine:3.20\n# base images\nquay.io/p/q:v1\n', 'images.txt').wanted).toEqual([
      'oci docker.io/library/alpine@3.20',
      'oci quay.io/p/q@v1',
    ]);
  });

  it('PURLs map to ecosystems; other types are reported', () => {
    const text = [
      'pkg:golang/github.com/gorilla/mux@v1.8.0',
      'pkg:npm/%40babel/core@7.23.0',
      'pkg:pypi/Django@4.2.7',
      'pkg:cargo/rand@0.8.5',
      'pkg:maven/org.apache.commons/commons-lang3@3.14.0',
      'pkg:docker/library/alpine@3.20',
      'pkg:docker/o/i@1.0?repository_url=ghcr.io',
      'pkg:deb/debian/curl@7.88.1',
      'pkg:npm/no-version',
    ].join('\n');
    expect(pick(text, 'purls.txt')).toEqual({
      wanted: [
        'go github.com/gorilla/mux@v1.8.0',
        'npm @babel/core@7.23.0',
        'pypi django@4.2.7',
        'cargo rand@0.8.5',
        'maven org.apache.commons:commons-lang3@3.14.0',
        'oci docker.io/library/alpine@3.20',
        'oci ghcr.io/o/i@1.0',
      ],
      unusable: [
        'pkg:deb/debian/curl@7.88.1: pkg:deb is not prefetched (supported: golang, npm, pypi, cargo, maven, docker, oci)',
        'pkg:npm/no-version: has no version',
      ],
    });
    expect(fromPurl('pkg:', 'x')).toMatchObject({
      reason: expect.stringMatching(/^not a package URL/),
    });
  });

  it('CycloneDX and SPDX (JSON and tag-value) by content', () => {
    const cdx = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      components: [
        { name: 'a', purl: 'pkg:npm/a@1.0.0', components: [{ purl: 'pkg:pypi/b@2.0.0' }] },
        { name: 'no-purl' },
      ],
    };
    expect(detectFormat('bom.json', JSON.stringify(cdx))).toBe('cyclonedx');
    expect(pick(JSON.stringify(cdx), 'bom.json').wanted).toEqual(['npm a@1.0.0', 'pypi b@2.0.0']);
    const spdx = {
      spdxVersion: 'SPDX-2.3',
      packages: [
        {
          externalRefs: [
            {
              referenceCategory: 'PACKAGE-MANAGER',
              referenceType: 'purl',
              referenceLocator: 'pkg:cargo/c@3.0.0',
            },
          ],
        },
      ],
    };
    expect(pick(JSON.stringify(spdx), 'sbom.json').wanted).toEqual(['cargo c@3.0.0']);
    const tv =
      'SPDXVersion: SPDX-2.3\nPackageName: d\nExternalRef: PACKAGE-MANAGER purl pkg:golang/example.com/d@v1.0.0\n';
    expect(pick(tv, 'sbom.spdx').wanted).toEqual(['go example.com/d@v1.0.0']);
  });

  it('says what it cannot read', () => {
    expect(() => parseSource('notes.md', 'Hello, world. This == that.\n')).toThrow(
      /notes\.md: cannot tell what this file is; name its format with --format/,
    );
    expect(() => parseSource('x', '{}', 'rpm-lock')).toThrow(/--format rpm-lock: not one of/);
    expect(() => parseSource('package-lock.json', '{ not json')).toThrow(
      /package-lock\.json: not a valid package-lock file/,
    );
  });
});
