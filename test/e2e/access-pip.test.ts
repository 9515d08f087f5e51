// pip against a Trove that requires credentials: a user in the index URL and in .netrc, the 401
// an anonymous client or a wrong password gets, and a read-only user who installs what is
// cached and nothing else.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../helpers/access-users.js';
import { wheel } from '../helpers/pypi-dists.js';
import { PypiIndex, isolatedPipEnv } from '../helpers/pypi-index.js';
import { runCommand } from '../helpers/run.js';
import { requireTools } from '../helpers/tools.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const enabled = requireTools('python3');

describe.skipIf(!enabled)('pip with client authentication', () => {
  let index: PypiIndex;
  let trove: TestTrove;
  let work: string;
  let runs = 0;

  const simple = (u?: { user: string; password: string }) =>
    `${trove.url.replace('http://', u ? `http://${u.user}:${u.password}@` : 'http://')}/pypi/simple/`;
  const pip = (project: string, indexUrl: string, home = join(work, 'home')) => {
    const n = runs++;
    return runCommand(
      'python3',
      [
        '-m',
        'pip',
        'install',
        '-vv', // pip tells an index page's HTTP error only at debug level
        '--target',
        join(work, `t${n}`),
        '--cache-dir',
        join(work, `c${n}`),
      ].concat(['-i', indexUrl, project]),
      {
        cwd: work,
        exactEnv: {
          ...isolatedPipEnv(home),
          PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring',
        },
        timeoutMs: 120_000,
      },
    );
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-pip-access-'));
    index = await PypiIndex.start([
      await wheel('pub-a', '1.0'),
      await wheel('pub-b', '1.0'),
      await wheel('secret', '1.0'),
    ]);
    trove = await startTrove({
      access: users.accessSection(users.writeHtpasswd(work)),
      instances: {
        pypi: {
          type: 'pypi',
          upstreams: [index.url],
          file_hosts: [index.files.url],
          access: users.instanceAccess(['secret']),
        },
      },
    });
  });
  afterAll(async () => {
    await trove?.stop();
    await index?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses an anonymous client and a wrong password with 401', async () => {
    const anon = await pip('pub-a', simple());
    expect(anon.code).not.toBe(0);
    expect(anon.out + anon.err, anon.out + anon.err).toMatch(/401 Client Error/);
    const wrong = await pip('pub-a', simple({ user: users.ALICE.user, password: 'nope' }));
    expect(wrong.code).not.toBe(0);
    expect(wrong.out + wrong.err).toMatch(/401 Client Error/);
  });

  it('installs with credentials in the index URL, and from .netrc', async () => {
    const r = await pip('pub-a', simple(users.ALICE));
    expect(r.code, r.out + r.err).toBe(0);
    const home = join(work, 'netrc-home');
    mkdirSync(home, { recursive: true });
    writeFileSync(
      join(home, '.netrc'),
      `machine 127.0.0.1 login ${users.ALICE.user} password ${users.ALICE.password}\n`,
      { mode: 0o600 },
    );
    const viaNetrc = await pip('secret', simple(), home);
    expect(viaNetrc.code, viaNetrc.out + viaNetrc.err).toBe(0);
  });

  it('lets a read-only user install what is cached, and nothing that needs a fetch', async () => {
    const ok = await pip('pub-a', simple(users.BOB));
    expect(ok.code, ok.out + ok.err).toBe(0);
    const miss = await pip('pub-b', simple(users.BOB));
    expect(miss.code).not.toBe(0);
    expect(miss.out + miss.err, miss.out + miss.err).toMatch(/403 Client Error/);
    const denied = await pip('secret', simple(users.BOB));
    expect(denied.code).not.toBe(0);
    expect(denied.out + denied.err).toMatch(/403 Client Error/);
    // Nothing was fetched for bob: pub-b is still not cached.
    const page = await fetch(`${trove.url}/pypi/simple/pub-b/`, {
      headers: {
        authorization: `Basic ${Buffer.from(`${users.ALICE.user}:${users.ALICE.password}`).toString('base64')}`,
      },
    });
    expect(page.headers.get('x-cache')).not.toBe('HIT');
  });
});
