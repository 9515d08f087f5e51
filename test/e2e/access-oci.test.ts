// skopeo and docker against a Trove that requires credentials: login to Trove's token realm,
// the 401 an anonymous client or a wrong password gets, a read-only user who pulls what is
// cached and nothing else, and passthrough composed with access control (a client must pass
// Trove's rules and the registry's).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../helpers/access-users.js';
import { dockerLoginCycle, dockerdForSuite, podman, startContainerd } from '../helpers/engines.js';
import {
  Layout,
  skopeoWith,
  startRegistry,
  type Blob,
  type Registry,
} from '../helpers/oci-fixtures.js';
import { requireTools } from '../helpers/tools.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const enabled = requireTools('skopeo', '/usr/bin/docker-registry');
const withDocker = enabled && requireTools('/usr/sbin/dockerd', '/usr/bin/docker');
const withPodman = enabled && requireTools('podman');
const withContainerd = enabled && requireTools('/usr/bin/containerd', 'ctr');

describe.skipIf(!enabled)('OCI clients with client authentication', () => {
  let work: string;
  let open: Registry;
  let guarded: Registry;
  let trove: TestTrove;
  let composed: TestTrove;
  let image: Blob;

  const tools = () => skopeoWith(join(work, 'auth.json'));
  const skopeo = (...args: string[]) => tools().skopeo(...args);
  const host = (t: TestTrove) => t.url.replace('http://', '');
  const inspect = (ref: string, ...flags: string[]) => tools().digestOf(ref, ...flags);
  const creds = (u: { user: string; password: string }) => ['--creds', `${u.user}:${u.password}`];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-oci-access-'));
    const htpasswd = users.writeHtpasswd(work);
    const layout = new Layout();
    image = layout.image('amd64', [layout.layer('app.txt', Buffer.from('app\n'))]);
    layout.tag('v1', [{ blob: image }]);
    open = await startRegistry();
    await open.push(layout, [
      ['v1', 'team/app:v1'],
      ['v1', 'team/other:v1'],
      ['v1', 'secret/x:v1'],
    ]);
    // The same users in the registry, for passthrough: alice and bob, with the same passwords.
    guarded = await startRegistry(htpasswd);
    await guarded.push(
      layout,
      [['v1', 'team/app:v1']],
      `${users.ALICE.user}:${users.ALICE.password}`,
    );
    const access = users.accessSection(htpasswd);
    trove = await startTrove({
      access,
      instances: {
        oci: {
          type: 'oci',
          registries: { 'docker.io': { url: open.url } },
          access: users.instanceAccess(['docker.io/secret/**']),
        },
      },
    });
    composed = await startTrove({
      // carol is a Trove user the registry does not know.
      access: { ...access, users: [{ name: 'carol', password: 'carol-pw' }] },
      instances: {
        oci: {
          type: 'oci',
          registries: { 'docker.io': { url: guarded.url, passthrough: true } },
          access: { rules: [{ who: [users.ALICE.user, 'carol'], allow: ['read', 'fetch'] }] },
        },
      },
    });
  }, 120_000);

  afterAll(async () => {
    await trove?.stop();
    await composed?.stop();
    await open?.stop();
    await guarded?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses an anonymous client and a wrong password', async () => {
    const anon = await inspect(`${host(trove)}/team/app:v1`, '--no-creds');
    expect(anon.code).not.toBe(0);
    expect(anon.err).toMatch(/unauthorized|authentication required/i);
    const bad = await skopeo(
      'login',
      '--tls-verify=false',
      '-u',
      users.ALICE.user,
      '-p',
      'nope',
      host(trove),
    );
    expect(bad.code).not.toBe(0);
  });

  it('logs in to Trove and pulls with the token its realm issues', async () => {
    const login = await skopeo(
      'login',
      '--tls-verify=false',
      '-u',
      users.ALICE.user,
      '-p',
      users.ALICE.password,
      host(trove),
    );
    expect(login.code, login.err).toBe(0);
    for (const repo of ['team/app', 'secret/x']) {
      const r = await inspect(`${host(trove)}/${repo}:v1`);
      expect(r.code, r.err).toBe(0);
      expect(r.digest).toBe(image.digest);
    }
    expect((await skopeo('logout', host(trove))).code).toBe(0);
  });

  it('lets a read-only user pull what is cached, and nothing that needs a fetch', async () => {
    const ok = await inspect(`${host(trove)}/team/app:v1`, ...creds(users.BOB));
    expect(ok.code, ok.err).toBe(0);
    const miss = await inspect(`${host(trove)}/team/other:v1`, ...creds(users.BOB));
    expect(miss.code).not.toBe(0);
    expect(miss.err).toMatch(/denied|may read only what is cached/i);
    const denied = await inspect(`${host(trove)}/secret/x:v1`, ...creds(users.BOB));
    expect(denied.code).not.toBe(0);
    expect(denied.err).toMatch(/denied: bob may not read docker.io\/secret\/x/);
  });

  it("passthrough composes: Trove's rules and the registry's must both let the client in", async () => {
    const alice = await inspect(`${host(composed)}/team/app:v1`, ...creds(users.ALICE));
    expect(alice.code, alice.err).toBe(0);
    expect(alice.digest).toBe(image.digest);
    // bob is a registry user, but Trove's rules give him nothing here.
    const bob = await inspect(`${host(composed)}/team/app:v1`, ...creds(users.BOB));
    expect(bob.code).not.toBe(0);
    const anon = await inspect(`${host(composed)}/team/app:v1`, '--no-creds');
    expect(anon.code).not.toBe(0);
    // carol passes Trove's rules, but the registry refuses her: so does Trove.
    const carol = await inspect(`${host(composed)}/team/app:v1`, '--creds', 'carol:carol-pw');
    expect(carol.code).not.toBe(0);
    expect(carol.err).toMatch(/unauthorized: the registry did not accept these credentials/);
  });

  it.skipIf(!withPodman)(
    'podman logs in to Trove and pulls; a read-only user pulls what is cached',
    async () => {
      const p = podman();
      try {
        const h = host(trove);
        const login = (u: { user: string; password: string }) =>
          p.run('login', '--tls-verify=false', '-u', u.user, '-p', u.password, h);
        expect((await login({ user: users.ALICE.user, password: 'nope' })).code).not.toBe(0);
        const ok = await login(users.ALICE);
        expect(ok.code, ok.err).toBe(0);
        const pulled = await p.run('pull', '--tls-verify=false', `${h}/team/app:v1`);
        expect(pulled.code, pulled.err).toBe(0);
        expect((await p.run('logout', h)).code).toBe(0);
        expect((await login(users.BOB)).code).toBe(0);
        const again = await p.run('pull', '--tls-verify=false', `${h}/team/app:v1`);
        expect(again.code, again.err).toBe(0);
        const denied = await p.run('pull', '--tls-verify=false', `${h}/secret/x:v1`);
        expect(denied.code).not.toBe(0);
        expect(denied.err).toMatch(/denied|403/i);
      } finally {
        p.remove();
      }
    },
  );

  it.skipIf(!withContainerd)(
    'containerd (ctr --user) pulls with a Trove user, and not without',
    async () => {
      const c = await startContainerd();
      try {
        const h = host(trove);
        const pull = (ref: string, ...user: string[]) =>
          c.ctr('images', 'pull', '--plain-http', ...user, `${h}/${ref}`);
        const anon = await pull('team/app:v1');
        expect(anon.code).not.toBe(0);
        expect(anon.err).toMatch(/401|unauthorized/i);
        const ok = await pull(
          'team/app:v1',
          '--user',
          `${users.ALICE.user}:${users.ALICE.password}`,
        );
        expect(ok.code, ok.err).toBe(0);
        const bob = await pull('team/app:v1', '--user', `${users.BOB.user}:${users.BOB.password}`);
        expect(bob.code, bob.err).toBe(0);
        const denied = await pull(
          'secret/x:v1',
          '--user',
          `${users.BOB.user}:${users.BOB.password}`,
        );
        expect(denied.code).not.toBe(0);
        expect(denied.err).toMatch(/403|denied/i);
      } finally {
        await c.stop();
      }
    },
  );

  describe.skipIf(!withDocker)('docker login and pull', () => {
    const d = dockerdForSuite();

    it('docker login to Trove, pull; logged out, refused', async () => {
      const ref = `${host(trove)}/team/app:v1`;
      const digests = await dockerLoginCycle(d(), host(trove), users.ALICE, ref);
      expect(digests).toEqual([`${host(trove)}/team/app@${image.digest}`]);
    });
  });
});
