// The authenticator with a counting password book: one check per credential however many
// connections present it at once, verified credentials remembered for cache_for and forgotten
// on a reload, and failures limited per address without touching bcrypt.
import { describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/access/authenticator.js';
import { FailureLimiter } from '../../src/access/failure-limiter.js';
import { JwtIssuers } from '../../src/access/jwt-issuers.js';
import type { PasswordBook } from '../../src/access/passwords.js';
import { Sessions } from '../../src/access/sessions.js';
import { StaticTokens } from '../../src/access/static-tokens.js';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

function setup(now: { t: number }) {
  const checks: string[] = [];
  const book = {
    onReload: () => {},
    async verify(user: string, password: string) {
      checks.push(user);
      await new Promise((r) => setTimeout(r, 20));
      return user === 'alice' && password === 'pw';
    },
  };
  const auth = new Authenticator({
    passwords: book as unknown as PasswordBook,
    tokens: new StaticTokens([]),
    jwt: new JwtIssuers([]),
    sessions: new Sessions(Buffer.alloc(32, 1), 3_600_000),
    failures: new FailureLimiter(3, 60_000, () => now.t),
    groupsOf: (s) => (s === 'alice' ? ['team'] : []),
    cacheForMs: 60_000,
    now: () => now.t,
  });
  return { auth, checks, book };
}

describe('authenticator', () => {
  it('checks a credential once for many connections, then remembers it for cache_for', async () => {
    const now = { t: 1_000_000 };
    const { auth, checks, book } = setup(now);
    const got = await Promise.all(
      Array.from({ length: 20 }, () => auth.authenticate(basic('alice', 'pw'), '10.0.0.1')),
    );
    expect(checks).toEqual(['alice']);
    expect(got[0]).toEqual({
      kind: 'identity',
      identity: { subject: 'alice', groups: ['team'], via: 'password' },
    });
    await auth.authenticate(basic('alice', 'pw'), '10.0.0.2');
    expect(checks).toHaveLength(1);
    now.t += 61_000;
    await auth.authenticate(basic('alice', 'pw'), '10.0.0.2');
    expect(checks).toHaveLength(2);
    book.onReload();
    await auth.authenticate(basic('alice', 'pw'), '10.0.0.2');
    expect(checks).toHaveLength(3);
  });

  it('limits failures per address without checking, and keeps other addresses apart', async () => {
    const now = { t: 1_000_000 };
    const { auth, checks } = setup(now);
    for (let i = 0; i < 3; i++) {
      expect((await auth.authenticate(basic('alice', `x${i}`), '10.0.0.9')).kind).toBe('refused');
    }
    const limited = await auth.authenticate(basic('alice', 'x9'), '10.0.0.9');
    expect(limited).toMatchObject({ kind: 'limited', retryAfter: 60 });
    expect(checks).toHaveLength(3);
    expect((await auth.authenticate(basic('alice', 'pw'), '10.0.0.8')).kind).toBe('identity');
    now.t += 60_001;
    expect((await auth.authenticate(basic('alice', 'pw'), '10.0.0.9')).kind).toBe('identity');
  });

  it('opens the tokens its sessions issue until they expire, and refuses malformed headers', async () => {
    const now = { t: Date.now() };
    const { auth } = setup(now);
    const sessions = new Sessions(Buffer.alloc(32, 1), 3_600_000);
    const { token } = sessions.issue({ subject: 'bob', groups: ['g'], via: 'password' }, 'x');
    expect(await auth.authenticate(`Bearer ${token}`, 'a')).toEqual({
      kind: 'identity',
      identity: { subject: 'bob', groups: ['g'], via: 'session', extra: 'x' },
    });
    const other = new Sessions(Buffer.alloc(32, 2), 3_600_000).issue({
      subject: 'bob',
      groups: [],
      via: 'password',
    });
    expect((await auth.authenticate(`Bearer ${other.token}`, 'a')).kind).toBe('refused');
    expect((await auth.authenticate('Basic %%%', 'a')).kind).toBe('refused');
    expect(await auth.authenticate(undefined, 'a')).toEqual({ kind: 'anonymous' });
  });
});
