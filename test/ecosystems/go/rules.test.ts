// GOPRIVATE-style patterns, version ranges, the gatekeeper, version lists and go config errors.
import { describe, expect, it } from 'vitest';
import { configProblems } from '../../helpers/config-problems.js';
import { Gatekeeper } from '../../../src/ecosystems/go/gatekeeper.js';
import { compilePatterns, matchesAny } from '../../../src/ecosystems/go/patterns.js';
import { isPseudoVersion } from '../../../src/ecosystems/go/semver.js';
import { parseVersionRange } from '../../../src/ecosystems/go/version-range.js';
import { filterList, infoVersion, latestOf } from '../../../src/ecosystems/go/version-lists.js';

describe('module patterns (GOPRIVATE syntax)', () => {
  const cases: Array<[string, string, boolean]> = [
    ['corp.example.com', 'corp.example.com', true],
    ['corp.example.com', 'corp.example.com/team/lib', true],
    ['corp.example.com', 'corp.example.com.evil.org/x', false],
    ['*.corp.example.com', 'git.corp.example.com/x', true],
    ['*.corp.example.com', 'corp.example.com/x', false],
    ['github.com/acme/*', 'github.com/acme/tool/v2', true],
    ['github.com/acme/*', 'github.com/acme', false],
    ['github.com/acme/*', 'github.com/acmeco/tool', false],
    ['github.com/a?me', 'github.com/acme/x', true],
    ['github.com/[ab]cme', 'github.com/bcme', true],
    ['github.com/{acme,foo}', 'github.com/acme', false],
    [' corp.example.com , other.org ', 'other.org/y', true],
    ['', 'anything.org', false],
  ];
  for (const [patterns, path, want] of cases) {
    it(`${JSON.stringify(patterns)} ${want ? 'matches' : 'does not match'} ${path}`, () => {
      expect(matchesAny(compilePatterns(patterns), path)).toBe(want);
    });
  }
});

describe('version ranges', () => {
  const cases: Array<[string, string, boolean]> = [
    ['<v1.4.2', 'v1.4.1', true],
    ['<v1.4.2', 'v1.4.2', false],
    ['<1.4.2', 'v1.4.2-rc.1', true],
    ['>=v1.0.0 <v2.0.0', 'v1.9.9', true],
    ['>=v1.0.0 <v2.0.0', 'v2.0.0+incompatible', false],
    ['v1.2.3 || >=v1.5.0', 'v1.2.3', true],
    ['v1.2.3 || >=v1.5.0', 'v1.4.0', false],
    ['>= v1.5.0', 'v1.6.0', true],
    ['*', 'v0.0.1', true],
    ['*', 'master', false],
  ];
  for (const [range, version, want] of cases) {
    it(`${range} ${want ? 'holds' : 'does not hold'} for ${version}`, () => {
      const r = parseVersionRange(range);
      if (typeof r === 'string') throw new Error(r);
      expect(r.matches(version)).toBe(want);
    });
  }
  it('names the bad part', () => {
    expect(parseVersionRange('<v1.x')).toBe('"<v1.x" is not a version comparator');
    expect(parseVersionRange('v1 ||')).toBe('empty alternative in "v1 ||"');
  });
});

describe('gatekeeper', () => {
  const gate = new Gatekeeper(
    [{ module: ['example.com', 'golang.org/x/*'] }],
    [
      { module: 'example.com/bad', reason: 'malware' },
      { module: 'golang.org/x/crypto', versions: '<v0.17.0' },
    ],
  );
  it('denies by module and by version, and keeps to the allow list', () => {
    expect(gate.refusal('example.com/bad/sub')).toBe(
      'example.com/bad/sub is denied by policy (malware)',
    );
    expect(gate.refusal('golang.org/x/crypto', 'v0.16.0')).toBe(
      'golang.org/x/crypto@v0.16.0 is denied by policy (rule: golang.org/x/crypto <v0.17.0)',
    );
    expect(gate.refusal('golang.org/x/crypto', 'v0.17.0')).toBeNull();
    expect(gate.refusal('golang.org/x/crypto')).toBeNull();
    expect(gate.refusal('github.com/x/y')).toBe("github.com/x/y is not on this proxy's allow list");
    expect(gate.versioned).toBe(true);
  });
});

describe('version lists', () => {
  it('keeps tagged canonical versions once, and finds latest as the go command does', () => {
    const body =
      'v1.0.0\nv1.2.0-rc.1\n\nv1.1.0 extra words\nv1.1\nv0.0.0-20200101000000-abcdefabcdef\nv1.0.0\n';
    expect(filterList(body, () => true)).toEqual(['v1.0.0', 'v1.2.0-rc.1', 'v1.1.0']);
    expect(filterList(body, (v) => v !== 'v1.1.0')).toEqual(['v1.0.0', 'v1.2.0-rc.1']);
    expect(latestOf(['v1.0.0', 'v1.2.0-rc.1', 'v1.1.0'])).toBe('v1.1.0');
    expect(latestOf(['v1.2.0-rc.1', 'v1.2.0-beta'])).toBe('v1.2.0-rc.1');
    expect(latestOf([])).toBeUndefined();
    expect(infoVersion(Buffer.from('{"Version":"v1.0.0"}'))).toBe('v1.0.0');
    expect(infoVersion(Buffer.from('{"Version":"master"}'))).toBeUndefined();
    expect(infoVersion(Buffer.from('nope'))).toBeUndefined();
  });
  it('recognises the three pseudo-version forms', () => {
    expect(isPseudoVersion('v0.0.0-20191109021931-daa7c04131f5')).toBe(true);
    expect(isPseudoVersion('v1.2.4-0.20191109021931-daa7c04131f5')).toBe(true);
    expect(isPseudoVersion('v1.2.3-pre.0.20191109021931-daa7c04131f5')).toBe(true);
    expect(isPseudoVersion('v1.2.3-pre')).toBe(false);
    expect(isPseudoVersion('v1.2.3')).toBe(false);
  });
});

describe('go config errors', () => {
  const problems = configProblems;
  const cases: Array<[string, string]> = [
    [
      'upstreams: "https://a.example,ftp://b"',
      'FILE: instances.g.upstreams: "ftp://b" must be an http(s) URL',
    ],
    [
      'upstreams: "https://a.example,,https://b"',
      'FILE: instances.g.upstreams: empty entry in the GOPROXY list',
    ],
    [
      'upstreams: [https://a.example, "off"]',
      'FILE: instances.g.upstreams[1]: "off" is not an upstream; remove the instance instead',
    ],
    [
      'private: "{a,b}.example"',
      'FILE: instances.g.private: "{a,b}.example": braces are not part of Go\'s pattern syntax',
    ],
    [
      "deny: [{module: x.org, versions: '<1.x'}]",
      'FILE: instances.g.deny[0].versions: "<1.x" is not a version comparator',
    ],
    [
      'sumdb: [{name: sum.x.org, url: "https://s", key: "other+01234567+AAAA"}]',
      'FILE: instances.g.sumdb[0].key: must start with "sum.x.org+"',
    ],
  ];
  for (const [body, want] of cases) {
    it(want, () => {
      const got = problems(`instances:\n  g:\n    type: go\n    path: /g\n    ${body}\n`);
      expect(got).toContain(want);
    });
  }
  it('refuses two go instances at the root, naming the path', () => {
    expect(problems('instances:\n  a: {type: go}\n  b: {type: go}\n')).toContain(
      'FILE: instances.b.path: / is already served by instance "a"',
    );
  });
});
