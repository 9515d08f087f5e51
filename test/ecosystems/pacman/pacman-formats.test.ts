// pacman databases as the pacman instance reads them (desc files in a tar, any compression,
// embedded signatures), and where request paths sit.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { descRefs, looksLikeDb, readDb } from '../../../src/ecosystems/pacman/pacman-db.js';
import { pacmanFormat, topNames } from '../../../src/ecosystems/pacman/pacman-format.js';
import { placeOf } from '../../../src/ecosystems/pacman/pacman-path.js';

const h = (c: string, n = 64): string => c.repeat(n);
async function all<T>(batches: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of batches) out.push(...b);
  return out;
}

const desc = (name: string, sha: string, extra = ''): string =>
  `%FILENAME%\n${name}-1.0-1-any.pkg.tar.zst\n\n%NAME%\n${name}\n\n%CSIZE%\n344\n\n%SHA256SUM%\n${sha}\n\n${extra}`;

async function tar(files: Record<string, string>): Promise<Buffer> {
  const p = pack();
  for (const [name, body] of Object.entries(files)) {
    if (name.endsWith('/')) p.entry({ name, type: 'directory' });
    else p.entry({ name }, body);
  }
  p.finalize();
  const parts: Buffer[] = [];
  for await (const c of p) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('desc files', () => {
  it('lists the package, and its signature when the database embeds one', () => {
    const sig = Buffer.from('a detached signature');
    const refs = descRefs(desc('a', h('a'), `%PGPSIG%\n${sig.toString('base64')}\n`));
    expect(refs).toEqual([
      {
        path: 'a-1.0-1-any.pkg.tar.zst',
        size: 344,
        digests: [{ algorithm: 'sha256', hex: h('a') }],
      },
      {
        path: 'a-1.0-1-any.pkg.tar.zst.sig',
        size: sig.length,
        digests: [{ algorithm: 'sha256', hex: createHash('sha256').update(sig).digest('hex') }],
      },
    ]);
  });

  it('lists nothing for a desc without a usable name, size or SHA-256', () => {
    expect(descRefs(desc('b', 'not-hex'))).toEqual([]);
    expect(descRefs(desc('b', h('b')).replace('344', 'many'))).toEqual([]);
    expect(descRefs(desc('b', h('b')).replace('b-1.0', '../b-1.0'))).toEqual([]);
  });
});

describe('databases', () => {
  it('reads a database plain or gzipped, desc files only', async () => {
    const raw = await tar({
      'a-1.0-1/': '',
      'a-1.0-1/desc': desc('a', h('a')),
      'a-1.0-1/files': '%FILES%\nusr/\n',
      'b-1.0-1/desc': desc('b', h('b')),
    });
    for (const body of [raw, gzipSync(raw)]) {
      expect(looksLikeDb(body)).toBe(true);
      const refs = await all(readDb('core.db', body));
      expect(refs.map((r) => r.path)).toEqual([
        'a-1.0-1-any.pkg.tar.zst',
        'b-1.0-1-any.pkg.tar.zst',
      ]);
    }
    expect(looksLikeDb(Buffer.from('<html>mirror error</html>'))).toBe(false);
  });

  it('refuses a database that is not one, and reads a missing one as absent', () => {
    const bodies = new Map([['core.db', Buffer.from('<html>mirror error</html>'.padEnd(600))]]);
    expect(() => pacmanFormat.parseTop('core/os/x86_64/core', bodies)).toThrow(
      /not a pacman database/,
    );
    expect(pacmanFormat.parseTop('core/os/x86_64/core', new Map())).toBeNull();
  });
});

describe('request paths', () => {
  it('makes `<dir>/<repo>` the root of a database and its companions', () => {
    for (const name of ['core.db', 'core.db.sig', 'core.files', 'core.files.sig']) {
      expect(placeOf(`core/os/x86_64/${name}`)).toEqual({
        kind: 'top',
        root: 'core/os/x86_64/core',
        name,
      });
    }
    expect(placeOf('custom.db')).toEqual({ kind: 'top', root: 'custom', name: 'custom.db' });
    expect(placeOf('core/os/x86_64/a-1.0-1-any.pkg.tar.zst')).toEqual({ kind: 'other' });
    expect(placeOf('core/os/x86_64/core.db.tar.gz')).toEqual({ kind: 'other' });
    expect(placeOf('lastsync')).toEqual({ kind: 'other' });
  });

  it('finds the files of a root in its directory, and a signature belongs to its package', () => {
    expect(topNames('core/os/x86_64/core')).toEqual([
      'core.db',
      'core.db.sig',
      'core.files',
      'core.files.sig',
    ]);
    expect(pacmanFormat.locate?.('core/os/x86_64/core', 'core.db')).toBe('core/os/x86_64/core.db');
    expect(pacmanFormat.locate?.('custom', 'custom.db')).toBe('custom.db');
    expect(pacmanFormat.archiveBases('core/os/x86_64/core')).toEqual(['core/os/x86_64']);
    expect(pacmanFormat.companion?.('x/a.pkg.tar.zst.sig')).toBe('x/a.pkg.tar.zst');
    expect(pacmanFormat.companion?.('x/a.pkg.tar.zst')).toBeNull();
  });
});
