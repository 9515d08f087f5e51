// Slow and stalled clients: slowloris connections that trickle a request header, and clients
// that ask for a large object and never read it. Trove must keep serving everyone else, and
// memory per stalled reader must stay small (reads are paced to the socket, 64 KiB at a time
// for a client that lags). Reports RSS before, at the peak, and after.
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fetch } from '../lib/client.js';
import { corpus } from '../lib/corpus.js';
import { startOrigin } from '../lib/origin.js';
import { fmt, type Scenario } from '../lib/scenario.js';
import { MiB, mib, rss, sleep, startTrove } from '../lib/trove.js';

function open(port: number): Socket {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  return s;
}

export const slow: Scenario = async ({ quick, dir }) => {
  const loris = quick ? 100 : 500;
  const stalled = quick ? 200 : 1000;
  const big = corpus(2, 64 * MiB, 'slow')[1];
  const small = corpus(20, 8 * 1024, 'slow-small');
  if (!big) throw new Error('no object');
  const objects = [big, ...small];
  const origin = await startOrigin({ bases: ['/base/'], prefix: '/base/', objects });
  const trove = await startTrove(
    dir,
    `storage:\n  dir: ${join(dir, 'cache')}\ninstances:\n  files:\n    type: file\n    upstreams: ['${origin.url}/base/']\n    default_policy: immutable\n`,
  );
  const pid = trove.child.pid ?? 0;
  const failures: string[] = [];
  for (const o of objects) await fetch(`${trove.url}/files/${o.name}`);
  await sleep(500);
  const baseline = rss(pid);

  // Slowloris: a request line and headers, one byte every 200 ms.
  const trickling: Socket[] = [];
  const line = `GET /files/${small[0]?.name} HTTP/1.1\r\nHost: x\r\nX-Slow: `;
  for (let i = 0; i < loris; i++) trickling.push(open(trove.port));
  let pos = 0;
  const drip = setInterval(() => {
    const ch = line[pos % line.length] ?? 'a';
    pos++;
    for (const s of trickling) if (!s.destroyed) s.write(ch);
  }, 200);

  // Stalled readers: ask for the 64 MiB object and never read.
  const readers: Socket[] = [];
  for (let i = 0; i < stalled; i++) {
    const s = open(trove.port);
    s.write(`GET /files/${big.name} HTTP/1.1\r\nHost: x\r\n\r\n`);
    s.pause();
    readers.push(s);
    if (i % 100 === 99) await sleep(50);
  }
  let peak = rss(pid);
  const curve: number[] = [];
  let served = 0;
  let tried = 0;
  const latencies: number[] = [];
  for (let i = 0; i < (quick ? 20 : 60); i++) {
    const started = performance.now();
    const o = small[i % small.length];
    if (!o) continue;
    const r = await fetch(`${trove.url}/files/${o.name}`, { timeoutMs: 10_000 });
    tried++;
    if (r.complete && r.sha256 === o.sha256) served++;
    latencies.push(performance.now() - started);
    const now = rss(pid);
    peak = Math.max(peak, now);
    if (i % 5 === 0) curve.push(now);
    await sleep(100);
  }
  clearInterval(drip);
  for (const s of [...trickling, ...readers]) s.destroy();
  await sleep(1500);
  const after = rss(pid);
  if (served !== tried)
    failures.push(`${tried - served} of ${tried} normal requests failed during the stall`);
  const crashed = trove.crashed();
  if (crashed) failures.push(`Trove ${crashed}`);
  await trove.stop();
  await origin.close();
  latencies.sort((a, b) => a - b);
  const perReader = (peak - baseline) / stalled;
  return {
    name: 'slow',
    ok: failures.length === 0,
    failures,
    line:
      `${fmt(loris)} slowloris connections + ${fmt(stalled)} stalled readers of a 64 MiB hit: ` +
      `${served}/${tried} other requests served (median ${(latencies[Math.floor(latencies.length / 2)] ?? 0).toFixed(1)} ms); ` +
      `RSS ${mib(baseline)} -> peak ${mib(peak)} -> ${mib(after)} MiB after ` +
      `(${(perReader / 1024).toFixed(1)} KiB per stalled reader); curve ${curve.map(mib).join(' ')} MiB`,
  };
};
