// Guarantees a crash test cannot see: the spool is fsynced before it is renamed into the blob
// store, and the blob is in place before the index names it; a blob import that fails leaves no
// entry; a Range that ends past the object is clamped to its last byte, on hits and on fills.
import { randomBytes } from 'node:crypto';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CacheIndex } from '../../src/index/cache-index.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { get } from '../helpers/client.js';
import { gate, managedUpstreams, stopAfterEach, until } from '../helpers/fake-upstream.js';
import { metric } from '../helpers/metrics.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();
afterEach(() => vi.restoreAllMocks());

const body = randomBytes(300_000);

/** Wraps an object so that calls to `names` are recorded (and may be replaced). */
function recorded<T extends object>(
  target: T,
  events: string[],
  label: string,
  names: string[],
  override: Partial<Record<string, (...a: unknown[]) => unknown>> = {},
): T {
  return new Proxy(target, {
    get(t, prop, r) {
      const v: unknown = Reflect.get(t, prop, r);
      if (typeof v !== 'function') return v;
      const name = String(prop);
      const fn = (v as (...a: unknown[]) => unknown).bind(t);
      if (!names.includes(name)) return fn;
      return async (...args: unknown[]) => {
        events.push(`${label}.${name}:start`);
        try {
          return await (override[name] ?? fn)(...args);
        } finally {
          events.push(`${label}.${name}:end`);
        }
      };
    },
  });
}

describe('commit order', () => {
  it('fsyncs the spool, then renames it into the blob store, then writes the index', async () => {
    const events: string[] = [];
    const probe = await open(join(tmpdir(), `trove-probe-${process.pid}`), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
    await probe.close();
    const realSync = proto.sync;
    vi.spyOn(proto, 'sync').mockImplementation(function (this: unknown) {
      events.push('fsync');
      return realSync.call(this);
    });
    const up = await upstream((u) => u.file('/f', body));
    trove = await startTrove(fileInstance(up.url, { default_policy: 'immutable' }), {
      seams: {
        blobs: (s: BlobStore) => recorded(s, events, 'blobs', ['importFile']),
        index: (i: CacheIndex) => recorded(i, events, 'index', ['put', 'createIfAbsent']),
      },
    });
    expect((await get(`${trove.url}/files/f`)).body.equals(body)).toBe(true);
    await until(() => events.includes('index.createIfAbsent:end'));
    const at = (e: string): number => events.indexOf(e);
    expect(at('fsync')).toBeGreaterThanOrEqual(0);
    expect(at('fsync')).toBeLessThan(at('blobs.importFile:start'));
    expect(at('blobs.importFile:end')).toBeLessThan(at('index.createIfAbsent:start'));
  });

  it('a blob import that fails leaves no entry and no file; the client still gets the body whole', async () => {
    let failures = 1;
    const events: string[] = [];
    const up = await upstream((u) => u.file('/f', body));
    trove = await startTrove(fileInstance(up.url, { default_policy: 'immutable' }), {
      seams: {
        blobs: (s: BlobStore) =>
          recorded(s, events, 'blobs', ['importFile'], {
            importFile: (...args: unknown[]) => {
              if (failures-- > 0) {
                return Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
              }
              return s.importFile(args[0] as string, args[1] as { digest: string; size: number });
            },
          }),
        index: (i: CacheIndex) => recorded(i, events, 'index', ['put', 'createIfAbsent']),
      },
    });
    const first = await get(`${trove.url}/files/f`);
    expect([first.status, first.complete, first.body.equals(body)]).toEqual([200, true, true]);
    await until(() => events.includes('blobs.importFile:end'));
    expect(events.filter((e) => e.startsWith('index.'))).toEqual([]);
    expect(await readdir(join(trove.dir, 'tmp'))).toEqual([]);
    const m = (await get(`${trove.url}/metrics`)).body;
    expect(metric(m, 'trove_fills_uncommitted_total', { code: 'TROVE_ERR_STORAGE' })).toBe(1);
    expect((await get(`${trove.url}/files/f`)).headers['x-cache']).toBe('MISS');
    expect((await get(`${trove.url}/files/f`)).headers['x-cache']).toBe('HIT');
  });
});

describe('ranges that end past the object', () => {
  const size = body.length;

  it('are clamped to the last byte on a hit (from disk and from memory)', async () => {
    const small = randomBytes(1000);
    const up = await upstream((u) => u.file('/f', body).file('/s', small));
    trove = await startTrove(fileInstance(up.url, { default_policy: 'immutable' }));
    await get(`${trove.url}/files/f`);
    await get(`${trove.url}/files/s`);
    for (const [path, obj] of [
      ['f', body],
      ['s', small],
    ] as const) {
      for (const range of [
        `bytes=10-${obj.length}`,
        `bytes=10-${obj.length + 1000}`,
        'bytes=10-99999999999',
      ]) {
        const r = await get(`${trove.url}/files/${path}`, { headers: { range } });
        expect([r.status, r.headers['content-range'], r.complete], range).toEqual([
          206,
          `bytes 10-${obj.length - 1}/${obj.length}`,
          true,
        ]);
        expect(r.body.equals(obj.subarray(10))).toBe(true);
      }
    }
  });

  it('are clamped to the last byte on a fill in progress', async () => {
    const rest = gate();
    const up = await upstream((u) =>
      u.route('/f', async (_req, res) => {
        res.writeHead(200, { 'content-length': size });
        res.write(body.subarray(0, 1000));
        await rest.wait;
        res.end(body.subarray(1000));
      }),
    );
    trove = await startTrove(fileInstance(up.url, { default_policy: 'immutable' }));
    const url = trove.url;
    const whole = get(`${url}/files/f`);
    await until(() => up.count('/f') === 1);
    const ranged = get(`${url}/files/f`, { headers: { range: `bytes=500-${size + 5}` } });
    setTimeout(() => rest.open(), 100);
    const [w, r] = await Promise.all([whole, ranged]);
    expect(w.body.equals(body)).toBe(true);
    expect([r.status, r.headers['content-range'], r.complete]).toEqual([
      206,
      `bytes 500-${size - 1}/${size}`,
      true,
    ]);
    expect(r.body.equals(body.subarray(500))).toBe(true);
  });
});
