// skopeo through Trove in front of a docker-registry 2.8 behind htpasswd (bcrypt) Basic auth, in
// both modes: Trove's own credentials (clients need none), and passthrough (each client's
// `--creds` reach the registry, and what one client pulled is never served to another the
// registry refuses).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerLoginCycle, dockerdForSuite } from '../helpers/engines.js';
import {
  Layout,
  skopeoWith,
  startRegistry,
  type Blob,
  type Registry,
} from '../helpers/oci-fixtures.js';
import { requireTools } from '../helpers/tools.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const enabled = requireTools('skopeo', 'htpasswd', '/usr/bin/docker-registry', 'tar');
const withDocker = enabled && requireTools('/usr/sbin/dockerd', '/usr/bin/docker');
const PRIVATE = 'private.trove.test';

describe.skipIf(!enabled)('an htpasswd registry through Trove', () => {
  let registry: Registry;
  let proxied: TestTrove;
  let passthrough: TestTrove;
  let app: Blob;
  const authDir = mkdtempSync(join(tmpdir(), 'trove-skopeo-auth-'));

  const { skopeo, digestOf } = skopeoWith(join(authDir, 'auth.json'));
  const hostOf = (t: TestTrove) => t.url.replace('http://', '');

  beforeAll(async () => {
    const layout = new Layout();
    app = layout.image('amd64', [layout.layer('secret.txt', Buffer.from('only for alice\n'))]);
    layout.tag('v1', [{ blob: app }]);
    const dir = mkdtempSync(join(tmpdir(), 'trove-htpasswd-'));
    const users = ['alice pw-a', 'bob pw-b'].map((u) => {
      const [name, pw] = u.split(' ') as [string, string];
      return execFileSync('htpasswd', ['-Bbn', name, pw]).toString().trim();
    });
    writeFileSync(join(dir, 'htpasswd'), `${users.join('\n')}\n`);
    registry = await startRegistry(join(dir, 'htpasswd'));
    await registry.push(layout, [['v1', 'team/secret:v1']], 'alice:pw-a');
    proxied = await startTrove({
      instances: {
        oci: {
          type: 'oci',
          registries: {
            [PRIVATE]: { url: registry.url, auth: { username: 'alice', password: 'pw-a' } },
          },
        },
      },
    });
    passthrough = await startTrove({
      instances: {
        oci: {
          type: 'oci',
          registries: { 'docker.io': { url: registry.url, passthrough: true } },
        },
      },
    });
  }, 120_000);

  afterAll(async () => {
    await proxied?.stop();
    await passthrough?.stop();
    await registry?.stop();
  });

  it('pulls with the credentials Trove holds; the client needs none', async () => {
    const r = await digestOf(`${hostOf(proxied)}/${PRIVATE}/team/secret:v1`);
    expect(r.code, r.err).toBe(0);
    expect(r.digest).toBe(app.digest);
  });

  it('passthrough: the client logs in to Trove, and its credentials reach the registry', async () => {
    const host = hostOf(passthrough);
    const bad = await skopeo('login', '--tls-verify=false', '-u', 'alice', '-p', 'wrong', host);
    expect(bad.code).not.toBe(0);
    const good = await skopeo('login', '--tls-verify=false', '-u', 'alice', '-p', 'pw-a', host);
    expect(good.code, good.err).toBe(0);
    const r = await digestOf(`${host}/team/secret:v1`);
    expect(r.code, r.err).toBe(0);
    expect(r.digest).toBe(app.digest);
    expect((await skopeo('logout', host)).code).toBe(0);
  });

  it('passthrough: what alice pulled is not served to a client without credentials, or with wrong ones', async () => {
    const host = hostOf(passthrough);
    const alice = await digestOf(`${host}/team/secret:v1`, '--creds', 'alice:pw-a');
    expect(alice.code, alice.err).toBe(0);
    for (const flags of [[], ['--creds', 'alice:nope'], ['--no-creds']]) {
      const r = await digestOf(`${host}/team/secret:v1`, ...flags);
      expect(r.code, `${flags.join(' ')}: ${r.err}`).not.toBe(0);
      expect(r.err).toMatch(/unauthorized: the registry did not accept these credentials/);
    }
    const bob = await digestOf(`${host}/team/secret@${app.digest}`, '--creds', 'bob:pw-b');
    // htpasswd gives every user every repository: bob is let in by the registry, so by Trove.
    expect(bob.digest).toBe(app.digest);
  });

  describe.skipIf(!withDocker)('docker login and pull, passthrough', () => {
    const d = dockerdForSuite();

    it('logs in to Trove with registry credentials and pulls; logged out, it is refused', async () => {
      const host = hostOf(passthrough);
      const ref = `${host}/team/secret:v1`;
      const creds = { user: 'alice', password: 'pw-a' };
      expect(await dockerLoginCycle(d(), host, creds, ref)).toEqual([
        `${host}/team/secret@${app.digest}`,
      ]);
    }, 300_000);
  });
});
