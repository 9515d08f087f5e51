// The access building blocks on their own: rule order and actions, credentials as clients send
// them, htpasswd entries, and the config's refusals.
import { describe, expect, it } from 'vitest';
import { accessConfig, accessRule } from '../../src/access/config.js';
import { readCredentials } from '../../src/access/credentials.js';
import { parseHtpasswd } from '../../src/access/htpasswd.js';
import type { Identity } from '../../src/access/identity.js';
import { globMatcher, Rules } from '../../src/access/rules.js';
import { goNameMatcher } from '../../src/ecosystems/go/patterns.js';

const who = (subject: string, groups: string[] = [], scopes?: Identity['scopes']): Identity => ({
  subject,
  groups,
  via: 'password',
  ...(scopes ? { scopes } : {}),
});
const rules = (list: unknown[], anonymous: 'none' | 'read' | 'fetch' = 'none', m = globMatcher) =>
  new Rules(
    list.map((r) => accessRule.parse(r)),
    anonymous,
    m,
  );

describe('access rules', () => {
  const r = rules([
    { who: 'alice', allow: ['read', 'fetch'] },
    { who: 'group:team', names: '@team/*', allow: ['read', 'fetch'] },
    { who: '*', names: 'secret/**', deny: ['read'] },
    { who: '*', allow: ['read'] },
  ]);

  it('lets the first rule that names the subject, the name and the action decide', () => {
    expect(r.decide(who('alice'), { name: 'secret/x' }, 'fetch').allowed).toBe(true);
    expect(r.decide(who('bob'), { name: 'secret/x' }, 'read').allowed).toBe(false);
    expect(r.decide(who('bob'), { name: 'SECRET/x' }, 'read').allowed).toBe(false);
    expect(r.decide(who('bob'), { name: 'pub/x' }, 'read').allowed).toBe(true);
    expect(r.decide(who('bob'), { name: 'pub/x' }, 'fetch').allowed).toBe(false);
    expect(r.decide(who('bob', ['team']), { name: '@team/a' }, 'fetch').allowed).toBe(true);
  });

  it('never lets fetch through without read, nor past a token scope', () => {
    const fetchOnly = rules([{ who: 'x', allow: ['fetch'] }]);
    expect(fetchOnly.decide(who('x'), { name: 'a' }, 'fetch').allowed).toBe(false);
    expect(r.decide(who('alice', [], ['read']), { name: 'a' }, 'fetch')).toEqual({
      allowed: false,
      reason: "the token's scopes do not include fetch",
    });
  });

  it('keeps anonymous apart from every subject, even one called "anonymous"', () => {
    const open = rules([{ who: '*', names: 'x', deny: ['read'] }], 'read');
    expect(open.decide(null, { name: 'y' }, 'read').allowed).toBe(true);
    expect(open.decide(null, { name: 'y' }, 'fetch').allowed).toBe(false);
    expect(open.decide(who('anonymous'), { name: 'y' }, 'read').allowed).toBe(false);
    expect(r.decide(null, { name: 'pub/x' }, 'read').allowed).toBe(false);
  });

  it('lets instance requests through for anyone allowed something, listings only for all', () => {
    expect(r.decide(who('bob'), { instance: true }, 'read').allowed).toBe(true);
    expect(r.decide(null, { instance: true }, 'read').allowed).toBe(false);
    expect(r.decide(who('alice'), { listing: true }, 'read').allowed).toBe(true);
    // bob's first read rule for everything is a deny on secret/**: no listing.
    expect(r.decide(who('bob'), { listing: true }, 'read').allowed).toBe(false);
    expect(r.decide(who('alice'), { name: '' }, 'read').allowed).toBe(true);
  });

  it('matches Go module paths by GOPRIVATE-style prefixes, whatever the case', () => {
    const go = rules(
      [
        { who: '*', names: 'corp.example.com', deny: ['read'] },
        { who: '*', allow: ['read'] },
      ],
      'none',
      goNameMatcher,
    );
    for (const m of ['corp.example.com', 'corp.example.com/x/y', 'Corp.Example.com/X']) {
      expect(go.decide(who('bob'), { name: m }, 'read').allowed, m).toBe(false);
    }
    expect(go.decide(who('bob'), { name: 'corp.example.community/x' }, 'read').allowed).toBe(true);
  });
});

describe('credentials', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  it('reads Basic, Bearer and a bare token (cargo), and refuses the rest', () => {
    expect(readCredentials(`Basic ${b64('al:ice:pw')}`)).toEqual({
      kind: 'basic',
      user: 'al',
      secret: 'ice:pw',
    });
    expect(readCredentials('Bearer abc.def')).toEqual({ kind: 'token', secret: 'abc.def' });
    expect(readCredentials('trove_abc')).toEqual({ kind: 'token', secret: 'trove_abc' });
    expect(readCredentials(undefined)).toBeNull();
    for (const bad of [
      `Basic ${b64('nocolon')}`,
      `Basic ${b64('u:')}`,
      'Basic !!',
      'Digest x=1',
      'Bearer ',
      'x'.repeat(9000),
    ]) {
      expect(readCredentials(bad), bad.slice(0, 20)).toBe('malformed');
    }
  });
});

describe('htpasswd', () => {
  const good = `$2y$05$${'a'.repeat(53)}`;
  it('takes bcrypt entries only, naming each refused line', () => {
    const f = parseHtpasswd(
      [
        `alice:${good}`,
        '# comment',
        '',
        'md5:$apr1$x$y',
        'sha:{SHA}abc',
        'crypt:abJnggxhB/yWI',
        `slow:$2y$15$${'a'.repeat(53)}`,
        `alice:${good}`,
        'junk',
      ].join('\n'),
      'pw',
    );
    expect([...f.users.keys()]).toEqual(['alice']);
    expect(f.problems).toEqual([
      'pw:4: user "md5" is not a bcrypt hash ($2y$...); other schemes are refused',
      'pw:5: user "sha" is not a bcrypt hash ($2y$...); other schemes are refused',
      'pw:6: user "crypt" is not a bcrypt hash ($2y$...); other schemes are refused',
      'pw:7: user "slow" has bcrypt cost 15; use 4 to 14 (a higher cost lets a flood of bad passwords pin the CPU)',
      'pw:8: user "alice" is listed twice',
      'pw:9: not a "user:hash" line',
    ]);
  });
});

describe('access config', () => {
  const problems = (v: unknown) => {
    const r = accessConfig.safeParse(v);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('refuses plain tokens, weak hashes, two passwords and rules that say nothing', () => {
    expect(problems({ tokens: [{ name: 't', sha256: 'my-plain-token' }] })).toEqual([
      'tokens.0.sha256: must be the sha256 of the token in lower-case hex (never the token)',
    ]);
    expect(problems({ users: [{ name: 'u', password_hash: '$apr1$x$y' }] })).toEqual([
      'users.0.password_hash: is not a bcrypt hash ($2y$...); other schemes are refused',
    ]);
    expect(
      problems({
        users: [{ name: 'u', password_hash: `$2y$05$${'a'.repeat(53)}`, password: 'x' }],
      }),
    ).toEqual(['users.0: give exactly one of password_hash or password']);
    expect(problems({ rules: [{ who: 'a' }] })).toEqual(['rules.0: needs allow or deny']);
    expect(problems({ anonymous: 'all' })[0]).toMatch(/^anonymous: /);
  });
});
