// Access control end to end on a file instance over real sockets: who gets 401 (with the
// challenge), 403 and 429; read-only ("cached-only") subjects; static tokens in Bearer and Basic;
// users from an htpasswd file (read again on change) and from config; /metrics; the audit log.
import { hashSync } from '@node-rs/bcrypt';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tokenHash } from '../../src/access/static-tokens.js';
import { FakeUpstream, until } from '../helpers/fake-upstream.js';
import { JwtIssuer } from '../helpers/jwt-issuer.js';
import { runCommand } from '../helpers/run.js';
import { capturingLogger, startTrove, type TestTrove } from '../helpers/trove.js';

const basic = (user: string, pw: string): string =>
  `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

describe('access control on a file instance', () => {
  let up: FakeUpstream;
  let trove: TestTrove;
  let idp: JwtIssuer;
  const captured = capturingLogger();
  const dir = mkdtempSync(join(tmpdir(), 'trove-access-'));
  const htpasswd = join(dir, 'htpasswd');
  const TOKEN = 'trove_deploy_0123456789abcdef';
  const READ_TOKEN = 'trove_reader_0123456789abcdef';
  const OLD_TOKEN = 'trove_old_0123456789abcdef';

  beforeAll(async () => {
    up = await new FakeUpstream().start();
    for (const p of ['public/a.txt', 'secret/s.txt', 'team/t.txt', 'new/n.txt', 'new/m.txt']) {
      up.file(`/${p}`, `body of ${p}\n`);
    }
    writeFileSync(
      htpasswd,
      [
        `alice:${hashSync('alice-pw', 4)}`,
        `bob:${hashSync('bob-pw', 4)}`,
        'mallory:$apr1$abc$0123456789abcdefghijkl', // MD5: refused
        '',
      ].join('\n'),
    );
    process.env['TROVE_TEST_CAROL_PW'] = 'carol-pw';
    idp = await new JwtIssuer().start();
    trove = await startTrove(
      {
        // Each test speaks from its own address (X-Forwarded-For from a trusted proxy), so the
        // failure limit of one does not reach another.
        server: { trusted_proxies: ['127.0.0.1'] },
        access: {
          htpasswd,
          users: [{ name: 'carol', password: { env: 'TROVE_TEST_CAROL_PW' } }],
          tokens: [
            { name: 'deploy', sha256: tokenHash(TOKEN) },
            { name: 'reader', sha256: tokenHash(READ_TOKEN), scopes: ['read'] },
            { name: 'old', sha256: tokenHash(OLD_TOKEN), expires: '2020-01-01T00:00:00Z' },
          ],
          jwt: [{ name: 'ci', issuer: idp.url, audience: 'trove', subject: 'ci:{repository}' }],
          groups: { team: ['bob'] },
          failures: { limit: 5, window: '1m' },
          metrics: ['alice'],
        },
        instances: {
          files: {
            type: 'file',
            upstreams: [up.url],
            access: {
              rules: [
                { who: ['alice', 'deploy', 'carol', 'ci:acme/app'], allow: ['read', 'fetch'] },
                { who: 'group:team', names: 'team/**', allow: ['read', 'fetch'] },
                { who: '*', names: 'secret/**', deny: ['read'] },
                { who: '*', allow: ['read'] },
              ],
            },
          },
        },
      },
      { log: captured.log },
    );
  });
  afterAll(async () => {
    await trove?.stop();
    await up?.stop();
    await idp?.stop();
  });

  let source = 0;
  beforeEach(() => void source++);
  const get = (path: string, authorization?: string, headers: Record<string, string> = {}) =>
    fetch(`${trove.url}/files/${path}`, {
      headers: {
        'x-forwarded-for': `198.51.100.${source}`,
        ...(authorization ? { authorization } : {}),
        ...headers,
      },
    });

  it('asks anonymous clients to authenticate, with a Basic challenge', async () => {
    const res = await get('public/a.txt');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="Trove"/);
    expect(res.headers.get('x-trove-error')).toBe('TROVE_ERR_UNAUTHORIZED');
    expect(up.count('/public/a.txt')).toBe(0);
  });

  it('lets a user with fetch fill the cache; a wrong password gets 401', async () => {
    for (const p of ['public/a.txt', 'secret/s.txt']) {
      const res = await get(p, basic('alice', 'alice-pw'));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(`body of ${p}\n`);
    }
    const wrong = await get('public/a.txt', basic('alice', 'nope'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    // An MD5 htpasswd entry is refused outright, whatever the password.
    expect((await get('public/a.txt', basic('mallory', 'x'))).status).toBe(401);
  });

  it('serves read-only subjects what is cached, and never fetches for them', async () => {
    const bob = basic('bob', 'bob-pw');
    const hit = await get('public/a.txt', bob);
    expect(hit.status).toBe(200);
    expect(await hit.text()).toBe('body of public/a.txt\n');
    const miss = await get('new/n.txt', bob);
    expect(miss.status).toBe(403);
    expect(miss.headers.get('x-trove-error')).toBe('TROVE_ERR_FETCH_DENIED');
    expect(up.count('/new/n.txt')).toBe(0);
    // Fetch on their own names.
    expect((await get('team/t.txt', bob)).status).toBe(200);
    expect(up.count('/team/t.txt')).toBe(1);
  });

  it('denies a name to every spelling of it, cached or not', async () => {
    const bob = basic('bob', 'bob-pw');
    for (const p of ['secret/s.txt', 'SECRET/s.txt', 'secret//s.txt', './secret/s.txt']) {
      const res = await get(p, bob);
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(await res.text()).not.toContain('body of secret');
    }
    const res = await get('secret/s.txt', bob);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-trove-error')).toBe('TROVE_ERR_FORBIDDEN');
  });

  it('works with curl: -u for a user, anyone else gets the Basic challenge', async () => {
    const curl = (...args: string[]) =>
      runCommand('curl', ['-sS', '-H', `X-Forwarded-For: 198.51.100.${source}`, ...args], {
        timeoutMs: 30_000,
      });
    const ok = await curl('-f', '-u', 'alice:alice-pw', `${trove.url}/files/public/a.txt`);
    expect([ok.code, ok.out]).toEqual([0, 'body of public/a.txt\n']);
    const anon = await curl('-o', '/dev/null', '-D', '-', `${trove.url}/files/public/a.txt`);
    expect(anon.out).toMatch(/^HTTP\/1\.1 401/);
    expect(anon.out).toMatch(/^www-authenticate: Basic realm="Trove"/im);
  });

  it('takes static tokens as Bearer, as a bare token and as a Basic password', async () => {
    expect((await get('new/m.txt', `Bearer ${TOKEN}`)).status).toBe(200);
    expect((await get('new/m.txt', TOKEN)).status).toBe(200);
    expect((await get('new/m.txt', basic('anything', TOKEN))).status).toBe(200);
    const old = await get('new/m.txt', `Bearer ${OLD_TOKEN}`);
    expect(old.status).toBe(401);
    // A read-scoped token never fetches, whatever the rules say.
    const reader = await get('new/n.txt', `Bearer ${READ_TOKEN}`);
    expect(reader.status).toBe(403);
    expect(reader.headers.get('x-trove-error')).toBe('TROVE_ERR_FETCH_DENIED');
    expect(up.count('/new/n.txt')).toBe(0);
  });

  it('takes JWTs as Bearer and as a Basic password, and refuses expired ones', async () => {
    const jwt = await idp.sign({ aud: 'trove', repository: 'acme/app' });
    expect((await get('new/m.txt', `Bearer ${jwt}`)).status).toBe(200);
    expect((await get('new/m.txt', basic('oauth2', jwt))).status).toBe(200);
    const expired = await idp.sign({ aud: 'trove', repository: 'acme/app', exp: 1 });
    expect((await get('new/m.txt', `Bearer ${expired}`)).status).toBe(401);
    // Another repository's token is a valid identity the rules do not name: cached only.
    const other = await idp.sign({ aud: 'trove', repository: 'acme/other' });
    const res = await get('team/x.txt', `Bearer ${other}`);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-trove-error')).toBe('TROVE_ERR_FETCH_DENIED');
  });

  it('takes a config user whose password comes from the environment', async () => {
    expect((await get('new/n.txt', basic('carol', 'carol-pw'))).status).toBe(200);
    expect((await get('new/n.txt', basic('carol', 'carol-pw!'))).status).toBe(401);
  });

  it('reads the htpasswd file again when it changes', async () => {
    expect((await get('public/a.txt', basic('dave', 'dave-pw'))).status).toBe(401);
    appendFileSync(htpasswd, `dave:${hashSync('dave-pw', 4)}\n`);
    // From a new address each try, so the tries before the reload are not limited.
    let tries = 0;
    await until(async () => {
      const res = await get('public/a.txt', basic('dave', 'dave-pw'), {
        'x-forwarded-for': `198.51.100.${200 + (++tries % 50)}`,
      });
      return res.status === 200;
    }, 10_000);
  });

  it('answers 429 to an address past its failure limit, still serving verified clients', async () => {
    const from = { 'x-forwarded-for': '203.0.113.9' };
    expect((await get('public/a.txt', basic('alice', 'alice-pw'))).status).toBe(200);
    let limited: Response | undefined;
    for (let i = 0; i < 12 && !limited; i++) {
      const res = await get('public/a.txt', basic('alice', `guess-${i}`), from);
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(401);
    }
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited?.headers.get('x-trove-error')).toBe('TROVE_ERR_AUTH_LIMITED');
    // alice's verified credentials are remembered: she is not locked out by the flood, even
    // from that address; and other addresses are not limited.
    expect((await get('public/a.txt', basic('alice', 'alice-pw'), from)).status).toBe(200);
    expect((await get('public/a.txt', basic('alice', 'guess-x'))).status).toBe(401);
  });

  it('guards /metrics with access.metrics', async () => {
    expect((await fetch(`${trove.url}/metrics`)).status).toBe(401);
    const ok = await fetch(`${trove.url}/metrics`, {
      headers: { authorization: basic('alice', 'alice-pw') },
    });
    expect(ok.status).toBe(200);
    const text = await ok.text();
    for (const reason of ['unauthenticated', 'forbidden', 'fetch_denied', 'limited']) {
      expect(text).toMatch(
        new RegExp(`trove_access_refusals_total\\{instance="files",reason="${reason}"\\} [1-9]`),
      );
    }
    expect((await fetch(`${trove.url}/health`)).status).toBe(200);
  });

  it('writes one audit line per refusal, with no credential in any log line', async () => {
    const audit = captured.lines.filter((l) => l['audit'] === true);
    const denied = audit.filter((l) => l['event'] === 'denied');
    expect(denied.length).toBeGreaterThan(5);
    expect(denied).toContainEqual(
      expect.objectContaining({
        subject: 'bob',
        instance: 'files',
        name: 'secret/s.txt',
        action: 'read',
      }),
    );
    expect(denied).toContainEqual(
      expect.objectContaining({ subject: 'bob', name: 'new/n.txt', action: 'fetch' }),
    );
    const all = JSON.stringify(captured.lines);
    for (const secret of ['alice-pw', 'bob-pw', 'carol-pw', TOKEN, READ_TOKEN, 'guess-1']) {
      expect(all).not.toContain(secret);
    }
    expect(all).not.toContain(Buffer.from('alice:alice-pw').toString('base64'));
  });
});
