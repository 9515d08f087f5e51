// pip through Trove against a PyPI-like index on loopback (files on a second host): pip 23.2
// (pyenv, PEP 714 `core-metadata`) and Debian's pip 23.0.1 (pre-PEP 714) each install a
// dependency tree, download it, install with --require-hashes, refuse a tampered wheel, and
// install again with the index and file host stopped.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { wheel, type Dist } from '../helpers/pypi-dists.js';
import { PypiIndex, isolatedPipEnv } from '../helpers/pypi-index.js';
import { picked, pypiTree, TREE_PICKS } from '../helpers/pypi-tree.js';
import { runCommand } from '../helpers/run.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const PIPS = [
  { label: 'pip 23.2 (pyenv)', python: 'python3', version: /^pip 23\.2/, pep714: true },
  {
    label: "Debian's pip 23.0.1",
    python: '/usr/bin/python3',
    version: /^pip 23\.0/,
    pep714: false,
  },
];

/** Whether this python has the expected pip; in CI a missing one fails the run. */
function pipReady(python: string, version: RegExp): boolean {
  const r = spawnSync(python, ['-m', 'pip', '--version'], { encoding: 'utf8' });
  if (r.status === 0 && version.test(r.stdout)) return true;
  const msg = `${python} -m pip is missing or not ${version.source} (bash .ci/run installs it)`;
  if (process.env['CI'] === 'true') throw new Error(msg);
  console.warn(`\n!!! SKIPPING: ${msg}\n`);
  return false;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The entries of a wheel, by path. */
function unzip(data: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(data, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const out = new Map<string, Buffer>();
      zip.on('entry', (e: yauzl.Entry) => {
        zip.openReadStream(e, (e2, s) => {
          if (e2 || !s) return reject(e2 ?? new Error('no stream'));
          const parts: Buffer[] = [];
          s.on('data', (c: Buffer) => parts.push(c));
          s.on('end', () => {
            out.set(e.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}

for (const pip of PIPS) {
  describe.skipIf(!pipReady(pip.python, pip.version))(`${pip.label} through Trove`, () => {
    let dists: Dist[];
    let tampered: Dist;
    let index: PypiIndex;
    let trove: TestTrove;
    let work: string;
    let runs = 0;
    let simple: string;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'trove-pip-'));
      dists = await pypiTree();
      tampered = await wheel('tampered', '1.0');
      index = await PypiIndex.start([...dists, tampered]);
      trove = await startTrove({
        instances: {
          pypi: { type: 'pypi', upstreams: [index.url], file_hosts: [index.files.url] },
        },
      });
      simple = `${trove.url}/pypi/simple/`;
    });
    afterAll(async () => {
      await trove?.stop();
      await index?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    /** pip with none of this machine's pip settings, a fresh cache and Trove as its index. */
    const run = (args: string[]) => {
      const n = runs++;
      return runCommand(
        pip.python,
        ['-m', 'pip', ...args, '--cache-dir', join(work, `cache-${n}`), '-i', simple],
        {
          cwd: work,
          exactEnv: isolatedPipEnv(join(work, 'home')),
          timeoutMs: 180_000,
        },
      );
    };

    /** Installs the tree into a new target and checks what landed, byte for byte. */
    async function installTree(extra: string[] = []): Promise<void> {
      const target = join(work, `target-${runs}`);
      const r = await run(['install', '--target', target, ...extra]);
      expect(r.code, r.out + r.err).toBe(0);
      for (const project of Object.keys(TREE_PICKS) as Array<keyof typeof TREE_PICKS>) {
        const d = picked(dists, project);
        for (const [path, bytes] of await unzip(d.data)) {
          if (path.endsWith('/RECORD')) continue;
          expect(readFileSync(join(target, path)).equals(bytes), path).toBe(true);
        }
      }
    }

    it('installs a dependency tree, picking what requires-python and yanked allow', async () => {
      await installTree(['alpha']);
      // pip 23.2 reads PEP 714's core-metadata and fetches only .metadata for candidates
      // it does not install; pip 23.0 reads data-dist-info-metadata, which JSON pages do not
      // carry (PEP 714), so it downloads wheels.
      const metadata = index.files.requests.filter((q) => (q.url ?? '').endsWith('.metadata'));
      if (pip.pep714) expect(metadata.length).toBeGreaterThan(0);
    });

    it('downloads the tree byte-identical to the index', async () => {
      const dest = join(work, `download-${runs}`);
      const r = await run(['download', '--dest', dest, 'alpha']);
      expect(r.code, r.out + r.err).toBe(0);
      const got = readdirSync(dest).sort();
      const want = Object.keys(TREE_PICKS).map((p) => picked(dists, p as keyof typeof TREE_PICKS));
      expect(got).toEqual(want.map((d) => d.filename).sort());
      for (const d of want) expect(sha256(readFileSync(join(dest, d.filename)))).toBe(d.sha256);
    });

    it('installs with --require-hashes from a requirements file', async () => {
      const req = join(work, `requirements-${runs}.txt`);
      const lines = Object.keys(TREE_PICKS).map((p) => {
        const d = picked(dists, p as keyof typeof TREE_PICKS);
        return `${p}==${d.version} --hash=sha256:${d.sha256}`;
      });
      writeFileSync(req, `${lines.join('\n')}\n`);
      await installTree(['--require-hashes', '-r', req]);
      // A wrong hash is pip's own refusal, after Trove served the right bytes.
      const d = picked(dists, 'alpha');
      writeFileSync(req, `alpha==${d.version} --hash=sha256:${'0'.repeat(64)}\n`);
      const r = await run([
        'install',
        '--no-deps',
        '--target',
        join(work, 'wrong'),
        '--require-hashes',
        '-r',
        req,
      ]);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/DO NOT MATCH THE HASHES/);
    });

    it('refuses a wheel changed behind its index page, and keeps nothing', async () => {
      const bad = Buffer.from(tampered.data);
      bad.writeUInt8(bad.readUInt8(bad.length - 40) ^ 1, bad.length - 40);
      index.swapped.set(tampered.filename, bad);
      const r = await run(['install', '--no-deps', '--target', join(work, 'tampered'), 'tampered']);
      expect(r.code).not.toBe(0);
      expect(r.out + r.err).toMatch(/502|HASHES|hash/i);
      index.swapped.delete(tampered.filename);
      const file = await get(
        `${trove.url}/pypi/files/tampered/${tampered.sha256}/${tampered.filename}`,
      );
      expect(file.status).toBe(200);
      expect(file.body.equals(tampered.data)).toBe(true);
    });

    it('installs again with the index and the file host stopped', async () => {
      await index.stop();
      await installTree(['alpha']);
    });
  });
}

/** What each pip's own page parser finds in Trove's pages, in both forms. */
describe('index pages as pip parses them', () => {
  let dists: Dist[];
  let index: PypiIndex;
  let trove: TestTrove;
  beforeAll(async () => {
    dists = await pypiTree();
    index = await PypiIndex.start(dists);
    trove = await startTrove({
      instances: { pypi: { type: 'pypi', upstreams: [index.url], file_hosts: [index.files.url] } },
    });
  });
  afterAll(async () => {
    await trove?.stop();
    await index?.stop();
  });

  const ready = PIPS.filter((p) => pipReady(p.python, p.version));
  const cases = ready.flatMap((p) =>
    ['text/html', 'application/vnd.pypi.simple.v1+json'].map((accept) => ({ ...p, accept })),
  );
  it.each(cases)('$label reads $accept', async ({ python, accept, pep714 }) => {
    const script = join(import.meta.dirname, '../helpers/pip-links.py');
    const page = `${trove.url}/pypi/simple/gamma-lib/`;
    const r = await runCommand(python, [script, page, accept], {
      exactEnv: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PIP_CONFIG_FILE: '/dev/null' },
    });
    expect(r.code, r.err).toBe(0);
    const links = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const want = dists.filter((d) => d.project === 'gamma-lib');
    expect(links.map((l) => l['filename'])).toEqual(want.map((d) => d.filename));
    for (const [i, d] of want.entries()) {
      const l = links[i] as Record<string, unknown>;
      const url = `${trove.url}/pypi/files/gamma-lib/${d.sha256}/${d.filename}`;
      expect(l['url']).toBe(url);
      expect(l['hash']).toEqual(['sha256', d.sha256]);
      expect(l['requires_python']).toBe(d.requiresPython ?? null);
      expect(l['yanked']).toBe(typeof d.yanked === 'string' ? d.yanked : null);
      // pip before 23.1 reads PEP 658's key only, which JSON pages leave out (PEP 714).
      const offered = pep714 || accept === 'text/html';
      const sha = createHash('sha256')
        .update(d.metadata as Buffer)
        .digest('hex');
      expect(l['metadata']).toEqual(offered ? [`${url}.metadata`, { sha256: sha }] : null);
    }
  });
});
