// Workload identity tokens against a local issuer (discovery + JWKS on loopback): what is
// accepted, and every way a token must be refused.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessConfig } from '../../src/access/config.js';
import { JwtIssuers } from '../../src/access/jwt-issuers.js';
import { JwtIssuer } from '../helpers/jwt-issuer.js';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('JWT issuers', () => {
  let idp: JwtIssuer;
  let other: JwtIssuer;
  let issuers: JwtIssuers;
  const now = (): number => Math.floor(Date.now() / 1000);

  const issuerConfig = (over: Record<string, unknown> = {}) =>
    accessConfig.parse({
      jwt: [
        {
          name: 'ci',
          issuer: idp.url,
          audience: 'trove',
          subject: 'ci:{repository}',
          groups: ['owner:{repository_owner}', 'env:{environment}'],
          groups_claim: 'teams',
          ...over,
        },
      ],
    }).jwt;

  beforeAll(async () => {
    idp = await new JwtIssuer().start();
    other = await new JwtIssuer().start();
    issuers = new JwtIssuers(issuerConfig(), 0);
  });
  afterAll(async () => {
    await idp.stop();
    await other.stop();
  });

  const claims = {
    aud: 'trove',
    repository: 'acme/app',
    repository_owner: 'acme',
    teams: ['a', 7],
  };

  it('accepts a valid token, found by OpenID discovery, and maps its claims', async () => {
    const got = await issuers.verify(await idp.sign(claims));
    expect(got).toEqual({ subject: 'ci:acme/app', groups: ['owner:acme', 'a'], via: 'jwt' });
  });

  it('refuses expired tokens, wrong audiences, and tokens signed by another key', async () => {
    const expired = await idp.sign({ ...claims, exp: now() - 120 });
    expect(await issuers.verify(expired)).toEqual({ refused: 'ERR_JWT_EXPIRED' });
    const aud = await idp.sign({ ...claims, aud: 'someone-else' });
    expect(await issuers.verify(aud)).toEqual({ refused: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    // Another issuer's key, claiming to be ours.
    const forged = await other.sign({ ...claims, iss: idp.url });
    expect(await issuers.verify(forged)).toHaveProperty('refused');
  });

  it('ignores tokens from issuers it does not know (they are no identity at all)', async () => {
    expect(await issuers.verify(await other.sign(claims))).toBeNull();
    expect(await issuers.verify('not.a.jwt')).toBeNull();
  });

  it('refuses alg none and an HS256 token keyed with the public key (key confusion)', async () => {
    const payload = { ...claims, iss: idp.url, exp: now() + 300 };
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
    expect(await issuers.verify(none)).toHaveProperty('refused');
    const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
    const mac = createHmac('sha256', idp.publicPem).update(head).digest('base64url');
    expect(await issuers.verify(`${head}.${mac}`)).toHaveProperty('refused');
  });

  it('follows a key rotation by fetching the JWKS again', async () => {
    const before = idp.jwksFetches;
    await idp.rotate();
    const got = await issuers.verify(await idp.sign(claims));
    expect(got).toHaveProperty('subject', 'ci:acme/app');
    expect(idp.jwksFetches).toBeGreaterThan(before);
  });

  it('tolerates the configured clock skew and no more', async () => {
    const skewed = new JwtIssuers(issuerConfig({ clock_skew: '30s' }), 0);
    const early = await idp.sign({ ...claims, nbf: now() + 10 });
    expect(await skewed.verify(early)).toHaveProperty('subject');
    const justExpired = await idp.sign({ ...claims, exp: now() - 10 });
    expect(await skewed.verify(justExpired)).toHaveProperty('subject');
    const late = await idp.sign({ ...claims, nbf: now() + 120 });
    expect(await skewed.verify(late)).toEqual({ refused: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  });

  it('checks required claims, and a subject template whose claim is missing', async () => {
    const strict = new JwtIssuers(issuerConfig({ require: { repository_owner: 'acme' } }), 0);
    expect(await strict.verify(await idp.sign(claims))).toHaveProperty('subject');
    const foreign = await idp.sign({ ...claims, repository_owner: 'evil' });
    expect(await strict.verify(foreign)).toEqual({
      refused: 'claim repository_owner is not "acme"',
    });
    const anonymous = await idp.sign({ aud: 'trove' });
    expect(await issuers.verify(anonymous)).toHaveProperty('refused');
  });

  it('maps nested claims: GCE instance identity, and Kubernetes service accounts', async () => {
    const gce = new JwtIssuers(
      issuerConfig({
        subject: 'gce:{google.compute_engine.project_id}/{google.compute_engine.instance_name}',
        groups: ['ns:{kubernetes.io.namespace}'],
        require: { 'google.compute_engine.project_id': 'acme-prod' },
      }),
      0,
    );
    const vm = {
      aud: 'trove',
      google: { compute_engine: { project_id: 'acme-prod', instance_name: 'builder-1' } },
      'kubernetes.io': { namespace: 'ci' },
    };
    expect(await gce.verify(await idp.sign(vm))).toEqual({
      subject: 'gce:acme-prod/builder-1',
      groups: ['ns:ci'],
      via: 'jwt',
    });
    const other = { ...vm, google: { compute_engine: { project_id: 'evil', instance_name: 'x' } } };
    expect(await gce.verify(await idp.sign(other))).toEqual({
      refused: 'claim google.compute_engine.project_id is not "acme-prod"',
    });
  });

  it('verifies against a static public key without any JWKS fetch', async () => {
    const fetches = idp.jwksFetches;
    const file = join(mkdtempSync(join(tmpdir(), 'trove-jwt-')), 'key.pem');
    writeFileSync(file, idp.publicPem);
    try {
      const pinned = new JwtIssuers(issuerConfig({ public_key: file }), 0);
      expect(await pinned.verify(await idp.sign(claims))).toHaveProperty('subject');
      expect(idp.jwksFetches).toBe(fetches);
      // Key confusion against the PEM itself: HS256 keyed with the public key's text.
      const payload = { ...claims, iss: idp.url, exp: now() + 300 };
      const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
      const mac = createHmac('sha256', idp.publicPem).update(head).digest('base64url');
      expect(await pinned.verify(`${head}.${mac}`)).toHaveProperty('refused');
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('refuses shared-secret algorithms in the config', () => {
    const r = accessConfig.safeParse({
      jwt: [{ name: 'x', issuer: idp.url, audience: 'a', algorithms: ['HS256'] }],
    });
    expect(r.success).toBe(false);
  });
});
