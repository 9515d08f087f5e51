// Trove vs nginx, side by side in one run, on the same files from the same origin.
//   W1 cold burst: 50 clients ask for one cold object at once
//   W2 warm small hits: 1-20 KiB objects, 64 connections (wrk)
//   W3 warm large-blob throughput (wrk, 4 connections)
//   W4 peak RSS of Trove while 20 clients download a cold 1 GiB object
//   W1-OCI / W3-OCI the same for a large OCI layer, against docker-registry's proxy mode
//   W5 go mod download of a 120-module graph, Trove warm and cold vs nginx static
//   W6 RSS growth under 1,000 clients that stall on a large hit
//   W2-npm, W5-npm, W4-npm, W2-pypi, W5-pypi, W5-cargo, W5-maven, W5-apt: per ecosystem
//   (lib/*.ts); W1-replicas and W1-OCI-replicas: W1 over three replicas on PostgreSQL and S3
//   (lib/replicas.ts)
// BENCH_QUICK=1 shrinks sizes and durations; BENCH_WORKERS sets the worker processes of Trove,
// nginx and the bare server for W1-W3 and W6 (default: one per core; the other workloads run
// one Trove process); BENCH_ONLY=hits runs W1-W3 alone, apt W5-apt, prefetch W6-OCI,
// replicas W1-replicas, auth W7-auth (good clients' hits under a wrong-password flood, against
// nginx's auth_basic).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { BIG_DEB, aptArchive, aptFetch, acngBinary, startAcng } from './lib/apt.js';
import { curlBurst, curlOnce, median, stalledReaders, wrk } from './lib/clients.js';
import { bigFile, smallFiles } from './lib/data.js';
import { startOrigin, startPeer, type NginxPorts } from './lib/nginx.js';
import {
  ociReplicasWorkload,
  replicasAvailable,
  replicasWorkload,
  type ReplicaFigures,
} from './lib/replicas.js';
import { indexScaleWorkload } from './lib/index-scale.js';
import { GOOD, floodWorkload, goodHeader, htpasswdFile, startAuthPeer } from './lib/auth.js';
import { GO, download, makeGraph, medianOf } from './lib/go.js';
import {
  REGISTRY,
  blobGets,
  emulatedPull,
  pushImage,
  pushLayers,
  startRegistry,
  throttledRelay,
  type RegistryProc,
} from './lib/oci.js';
import {
  VERDACCIO,
  hugePackument,
  npmApp,
  npmCi,
  npmFixtures,
  rawGet,
  startVerdaccio,
  staticTarballs,
} from './lib/npm.js';
import { freePort, rss, start, stop, waitForPort } from './lib/proc.js';
import { PypiIndex, TREE, bigProject, pipDownload, pipTree } from './lib/pypi.js';
import { CRATES, CargoRegistry, cargoFetch, crateTree, staticRegistry } from './lib/cargo.js';
import {
  ARTIFACTS,
  MavenRepo,
  mavenReady,
  mavenTree,
  mvnCompile,
  staticCopy,
} from './lib/maven.js';

const quick = process.env['BENCH_QUICK'] === '1';
const MB = 1024 * 1024;
const W1_SIZE = (quick ? 20 : 200) * MB;
const W4_SIZE = (quick ? 100 : 1024) * MB;
const SECONDS = quick ? 3 : 10;
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? availableParallelism());
const GO_MODULES = quick ? 30 : 120;
const APT_PACKAGES = quick ? 20 : 100;
const STALLED = quick ? 200 : 1000;
const INDEX_ENTRIES = quick ? 100_000 : 1_000_000;
const root = resolve(import.meta.dirname, '..', '..', '..', '..');
const work = join(root, 'bench', '.work', 'run');
const data = join(root, 'bench', '.work', 'data');
const MAIN = join(root, 'dist', 'cli', 'main.js');

interface Row {
  workload: string;
  metric: string;
  trove: number;
  nginx: number;
  unit: string;
  /** Whether higher is better (for the ratio's direction). */
  higher: boolean;
  target?: string;
}
const rows: Row[] = [];
const children: ChildProcess[] = [];

function need(tool: string): void {
  if (existsSync(`/usr/sbin/${tool}`) || existsSync(`/usr/bin/${tool}`)) return;
  console.error(
    `bench: ${tool} is missing; install it with: apt-get install -y nginx-light wrk curl`,
  );
  process.exit(2);
}

function fetchCount(log: string, path: string): number {
  if (!existsSync(log)) return 0;
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${path} `)).length;
}

async function startTrove(
  name: string,
  originPort: number,
  instances?: string,
  workers = 1,
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const cfg = join(dir, 'trove.yaml');
  writeFileSync(
    cfg,
    `server:\n  listen: 127.0.0.1:${port}\n  workers: ${workers}\nstorage:\n  dir: ${join(dir, 'cache')}\nlog:\n  level: info\n` +
      (instances ??
        `instances:\n  files:\n    type: file\n    upstreams: [http://127.0.0.1:${originPort}/]\n    default_policy: immutable\n`),
  );
  const child = start(process.execPath, [MAIN, 'serve', '--config', cfg], join(dir, 'trove.log'));
  children.push(child);
  await waitForPort(port);
  return { child, port };
}

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error('dist/ is missing: run npm run build');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(data, { recursive: true });
  // BENCH_ONLY=apt runs the workloads that need no nginx peer alone (while working on them).
  if (process.env['BENCH_ONLY'] === 'apt') {
    await aptWorkloads();
    return print();
  }
  if (process.env['BENCH_ONLY'] === 'replicas') {
    for (const t of ['nginx', 'curl']) need(t);
    bigFile(join(data, 'w1r.bin'), W1_SIZE);
    await replicaRows();
    return print();
  }
  if (process.env['BENCH_ONLY'] === 'auth') {
    await authRows();
    return print();
  }
  if (process.env['BENCH_ONLY'] === 'index') {
    need('wrk');
    await indexScaleRows();
    return print();
  }
  if (process.env['BENCH_ONLY'] === 'prefetch') {
    const storage = join(work, 'registry-storage');
    const upT = await startRegistry(join(work, 'registry-up-trove'), await freePort(), storage);
    const upP = await startRegistry(join(work, 'registry-up-peer'), await freePort(), storage);
    children.push(upT.child, upP.child);
    rows.push(...(await prefetchWorkload(upT, upP)));
    return print();
  }
  for (const t of ['nginx', 'wrk', 'curl']) need(t);
  console.log(`bench: preparing data in ${data} (${quick ? 'quick' : 'full'} sizes)`);
  bigFile(join(data, 'w1.bin'), W1_SIZE);
  bigFile(join(data, 'w1-single.bin'), W1_SIZE);
  bigFile(join(data, 'w4.bin'), W4_SIZE);
  const small = smallHitFiles();

  const ports = await nginxPorts();
  children.push(await startOrigin(work, data, ports));
  children.push(await startPeer(work, data, ports, WORKERS));
  const trove = await startTrove('trove', ports.originForTrove, undefined, WORKERS);
  const T = `http://127.0.0.1:${trove.port}/files`;
  const N = `http://127.0.0.1:${ports.proxy}`;
  const S = `http://127.0.0.1:${ports.static}`;

  // W1: single-client baseline on a separate cold object, then the 50-client burst. Twenty small
  // cold requests through each first, so neither pays for first connections (or Trove for JIT),
  // as a long-running proxy would not.
  console.log('bench: W1 cold burst');
  // Both proxies are cold; the origin's files are not: whoever asks first must not pay for
  // the origin's disk reads.
  for (const f of ['w1.bin', 'w1-single.bin', 'w4.bin']) warmPageCache(join(data, f));
  for (const p of small.slice(0, 20)) {
    await curlOnce(`${T}/${p}`);
    await curlOnce(`${N}/${p}`);
  }
  const singleT = await curlOnce(`${T}/w1-single.bin`);
  const singleN = await curlOnce(`${N}/w1-single.bin`);
  const burstT = await curlBurst(`${T}/w1.bin`, 50);
  const burstN = await curlBurst(`${N}/w1.bin`, 50);
  const okT =
    burstT.results.length === 50 &&
    burstT.results.every((r) => r.status === 200 && r.bytes === W1_SIZE);
  const okN =
    burstN.results.length === 50 &&
    burstN.results.every((r) => r.status === 200 && r.bytes === W1_SIZE);
  if (!okT || !okN)
    console.warn(`bench: W1 incomplete downloads (trove ok=${okT}, nginx ok=${okN})`);
  const fetchesT = fetchCount(join(work, 'nginx-origin', 'trove-fetches.log'), '/w1.bin');
  const fetchesN = fetchCount(join(work, 'nginx-origin', 'nginx-fetches.log'), '/w1.bin');
  const ttfbT = median(burstT.results.map((r) => r.ttfb));
  const ttfbN = median(burstN.results.map((r) => r.ttfb));
  rows.push({
    workload: 'W1',
    metric: 'upstream fetches',
    trove: fetchesT,
    nginx: fetchesN,
    unit: '',
    higher: false,
    target: 'trove = 1',
  });
  rows.push({
    workload: 'W1',
    metric: 'single-client TTFB',
    trove: singleT.ttfb * 1000,
    nginx: singleN.ttfb * 1000,
    unit: 'ms',
    higher: false,
  });
  rows.push({
    workload: 'W1',
    metric: 'median TTFB (50 clients)',
    trove: ttfbT * 1000,
    nginx: ttfbN * 1000,
    unit: 'ms',
    higher: false,
    target: `trove <= 1.2x single (${(ttfbT / singleT.ttfb || 0).toFixed(2)}x)`,
  });
  rows.push({
    workload: 'W1',
    metric: 'total time (50 clients)',
    trove: burstT.wall,
    nginx: burstN.wall,
    unit: 's',
    higher: false,
  });

  // W2: warm small hits. Warm Trove first; nginx serves the same files statically.
  console.log('bench: W2 warm small hits');
  for (let i = 0; i < small.length; i += 50)
    await Promise.all(small.slice(i, i + 50).map((p) => curlOnce(`${T}/${p}`)));
  const small64 = (url: string, prefix: string, seconds = SECONDS) =>
    wrk(url, {
      connections: 64,
      seconds,
      script: join(work, 'random.lua'),
      env: { PREFIX: prefix },
    });
  await small64(`http://127.0.0.1:${trove.port}/`, '/files', 1);
  const w2T = await small64(`http://127.0.0.1:${trove.port}/`, '/files');
  const w2N = await small64(`${S}/`, '');
  // Reference: the same load on a bare node:http server answering from memory.
  const barePort = await freePort();
  const bareJs = join(import.meta.dirname, 'bare-server.js');
  const bareArgs = [bareJs, data, String(barePort), String(WORKERS)];
  const bare = start(process.execPath, bareArgs, join(work, 'bare.log'));
  children.push(bare);
  await waitForPort(barePort);
  const w2B = await small64(`http://127.0.0.1:${barePort}/`, '');
  await stop(bare);
  if (w2T.errors || w2N.errors || w2B.errors) {
    console.warn(
      `bench: W2 non-2xx (trove ${w2T.errors}, nginx ${w2N.errors}, bare ${w2B.errors})`,
    );
  }
  rows.push({
    workload: 'W2',
    metric: 'req/s (vs nginx static)',
    trove: w2T.rps,
    nginx: w2N.rps,
    unit: 'req/s',
    higher: true,
    target: '>= 0.6x',
  });
  rows.push({
    workload: 'W2',
    metric: 'p99 latency',
    trove: w2T.p99ms,
    nginx: w2N.p99ms,
    unit: 'ms',
    higher: false,
  });
  rows.push({
    workload: 'W2',
    metric: 'req/s vs bare node:http (nginx column)',
    trove: w2T.rps,
    nginx: w2B.rps,
    unit: 'req/s',
    higher: true,
  });

  // W3: warm large-blob throughput (the W1 object is now cached).
  console.log('bench: W3 warm large-blob throughput');
  const w3T = await wrk(`${T}/w1.bin`, { connections: 4, seconds: SECONDS });
  const w3N = await wrk(`${S}/w1.bin`, { connections: 4, seconds: SECONDS });
  rows.push({
    workload: 'W3',
    metric: 'throughput (vs nginx static)',
    trove: w3T.bytesPerSec / 1024 ** 3,
    nginx: w3N.bytesPerSec / 1024 ** 3,
    unit: 'GiB/s',
    higher: true,
    target: '>= 0.8x',
  });

  if (process.env['BENCH_ONLY'] === 'hits') {
    await stop(trove.child);
    return print();
  }

  // W6: memory under clients that ask for the large hit and never read it.
  console.log(`bench: W6 ${STALLED} stalled readers`);
  const peerPid = Number(readFileSync(join(work, 'nginx-peer', 'nginx.pid'), 'utf8'));
  const stalledPeak = async (url: string, sample: () => number): Promise<number> => {
    const before = sample();
    const close = await stalledReaders(url, STALLED);
    let peak = before;
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 100));
      peak = Math.max(peak, sample());
    }
    close();
    return peak - before;
  };
  const w6T = await stalledPeak(`${T}/w1.bin`, () => treeRss(trove.child.pid as number));
  const w6N = await stalledPeak(`${S}/w1.bin`, () => treeRss(peerPid));
  rows.push({
    workload: 'W6',
    metric: `RSS growth, ${STALLED} stalled readers of a ${W1_SIZE / MB} MiB hit`,
    trove: w6T / MB,
    nginx: w6N / MB,
    unit: 'MiB',
    higher: false,
    target: `trove <= 64 KiB per reader (${(w6T / STALLED / 1024).toFixed(0)} KiB)`,
  });
  await stop(trove.child);

  // W5: go mod download of a module graph; Trove (cold, then warm) vs nginx static.
  if (existsSync(GO)) {
    console.log(`bench: W5 go mod download of ${GO_MODULES} modules`);
    const app = join(work, 'go-app');
    await makeGraph(work, join(data, 'goproxy'), app, GO_MODULES);
    const goTrove = await startTrove(
      'trove-go',
      ports.originForTrove,
      `instances:\n  go:\n    type: go\n    upstreams: http://127.0.0.1:${ports.originForTrove}/goproxy\n    verify: false\n    sumdb: []\n`,
    );
    const viaTrove = `http://127.0.0.1:${goTrove.port}`;
    const cold = await download(work, app, viaTrove, 0);
    const warm = await medianOf(3, (i) => download(work, app, viaTrove, i + 1));
    const direct = await medianOf(3, (i) => download(work, app, `${S}/goproxy`, i + 10));
    w5Rows('W5', `go mod download, ${GO_MODULES} modules, warm`, 'go mod download, cold fill', {
      warm: warm,
      cold: cold,
      peer: direct,
    });
    await stop(goTrove.child);
  } else {
    console.warn(`bench: W5 skipped (${GO} is missing; bash .ci/run installs golang-1.23-go)`);
  }

  await pypiWorkloads(S);
  await cargoWorkloads(S);
  await mavenWorkloads(S);
  await aptWorkloads();
  bigFile(join(data, 'w1r.bin'), W1_SIZE);
  await replicaRows();
  await indexScaleRows();
  await authRows();

  if (existsSync(VERDACCIO)) await npmWorkloads(ports, S);
  else console.warn('bench: npm rows skipped (run npm ci --prefix test/tools/npm for Verdaccio)');

  // W1/W3 for OCI: 20 concurrent cold pulls of one large layer through Trove and through
  // docker-registry in proxy mode, each from its own upstream registry (same storage), then
  // warm layer throughput against nginx serving the same bytes.
  if (existsSync(REGISTRY)) {
    console.log('bench: W1-OCI cold layer burst, W3-OCI warm layer');
    const storage = join(work, 'registry-storage');
    const upT = await startRegistry(join(work, 'registry-up-trove'), await freePort(), storage);
    const upP = await startRegistry(join(work, 'registry-up-peer'), await freePort(), storage);
    children.push(upT.child, upP.child);
    const layer = readFileSync(join(data, 'w1.bin'));
    const digest = await pushImage(`http://127.0.0.1:${upT.port}`, 'bench/img', layer);
    const peerReg = await startRegistry(
      join(work, 'registry-peer'),
      await freePort(),
      join(work, 'registry-peer-storage'),
      `http://127.0.0.1:${upP.port}`,
    );
    children.push(peerReg.child);
    const ociTrove = await startTrove(
      'trove-oci',
      ports.originForTrove,
      `instances:\n  oci:\n    type: oci\n    registries:\n      upstream.bench: http://127.0.0.1:${upT.port}\n`,
    );
    const tUrl = `http://127.0.0.1:${ociTrove.port}/v2/upstream.bench/bench/img/blobs/${digest}`;
    const pUrl = `http://127.0.0.1:${peerReg.port}/v2/bench/img/blobs/${digest}`;
    const oT = await curlBurst(tUrl, 20);
    const oP = await curlBurst(pUrl, 20);
    const whole = (b: typeof oT) =>
      b.results.filter((r) => r.status === 200 && r.bytes === layer.length).length;
    rows.push({
      workload: 'W1-OCI',
      metric: `upstream fetches, 20 x ${(layer.length / MB).toFixed(0)} MiB layer`,
      trove: blobGets(upT.log, digest),
      nginx: blobGets(upP.log, digest),
      unit: '',
      higher: false,
      target: 'trove = 1 (peer: distribution proxy)',
    });
    rows.push({
      workload: 'W1-OCI',
      metric: 'complete downloads',
      trove: whole(oT),
      nginx: whole(oP),
      unit: '',
      higher: true,
    });
    rows.push({
      workload: 'W1-OCI',
      metric: 'median TTFB (20 clients)',
      trove: median(oT.results.map((r) => r.ttfb)) * 1000,
      nginx: median(oP.results.map((r) => r.ttfb)) * 1000,
      unit: 'ms',
      higher: false,
    });
    rows.push({
      workload: 'W1-OCI',
      metric: 'total time (20 clients)',
      trove: oT.wall,
      nginx: oP.wall,
      unit: 's',
      higher: false,
    });
    // The layer is the W1 object: nginx's W3 figure for it is the reference.
    const w3oT = await wrk(tUrl, { connections: 4, seconds: SECONDS });
    rows.push({
      workload: 'W3-OCI',
      metric: 'warm layer throughput (vs nginx static)',
      trove: w3oT.bytesPerSec / 1024 ** 3,
      nginx: w3N.bytesPerSec / 1024 ** 3,
      unit: 'GiB/s',
      higher: true,
      target: '>= 0.8x',
    });
    await stop(ociTrove.child);
    rows.push(...(await prefetchWorkload(upT, upP)));
  } else {
    console.warn(`bench: W1-OCI skipped (${REGISTRY} is missing; apt-get install docker-registry)`);
  }

  // W4: a fresh Trove; peak RSS while 20 clients pull a cold large object.
  console.log('bench: W4 peak RSS');
  const fresh = await startTrove('trove-w4', ports.originForTrove);
  const peer = Number(readFileSync(join(work, 'nginx-peer', 'nginx.pid'), 'utf8'));
  let peakT = 0;
  let peakN = 0;
  const sampler = setInterval(() => {
    peakT = Math.max(peakT, rss(fresh.child.pid as number));
    peakN = Math.max(peakN, treeRss(peer));
  }, 25);
  const b4T = await curlBurst(`http://127.0.0.1:${fresh.port}/files/w4.bin`, 20);
  const b4N = await curlBurst(`${N}/w4.bin`, 20);
  clearInterval(sampler);
  if (!b4T.results.every((r) => r.bytes === W4_SIZE))
    console.warn('bench: W4 incomplete Trove downloads');
  rows.push({
    workload: 'W4',
    metric: `peak RSS, 20 clients x ${W4_SIZE / MB} MiB cold`,
    trove: peakT / MB,
    nginx: peakN / MB,
    unit: 'MiB',
    higher: false,
    target: 'trove <= 150 MB',
  });
  rows.push({
    workload: 'W4',
    metric: 'total time (20 clients)',
    trove: b4T.wall,
    nginx: b4N.wall,
    unit: 's',
    higher: false,
  });

  print();
}

/**
 * W6-OCI: a cold pull of a 5-layer image by a docker-like client (manifest, config, then three
 * layers at a time) through Trove without and with `prefetch`, and through docker-registry's
 * proxy mode, each behind a relay that serves every response at 32 MiB/s (a CDN's per-connection
 * rate).
 */
/** W6-index: a large cache against a small one, on SQLite and on PostgreSQL. */
async function indexScaleRows(): Promise<void> {
  console.log(`bench: W6-index ${INDEX_ENTRIES} objects against ${1000}`);
  const figures = await indexScaleWorkload(work, data, MAIN, INDEX_ENTRIES, SECONDS);
  for (const driver of ['sqlite', 'postgres'] as const) {
    const small = figures.find((f) => f.driver === driver && f.entries === 1000);
    const big = figures.find((f) => f.driver === driver && f.entries === INDEX_ENTRIES);
    if (!small || !big) continue;
    const errors = big.all.errors + big.hot.errors + small.all.errors;
    if (errors) console.warn(`bench: W6-index ${driver}: ${errors} non-2xx answers`);
    const base = { workload: `W6-index ${driver}`, higher: false };
    const n = `${INDEX_ENTRIES / 1000}k vs 1k entries`;
    rows.push(
      {
        ...base,
        metric: `start-up to ready, ${n}`,
        trove: big.readyMs,
        nginx: small.readyMs,
        unit: 'ms',
        target: '<= 2000 ms',
      },
      {
        ...base,
        metric: `random hits on 1k objects: p99, ${n}`,
        trove: big.hot.p99ms,
        nginx: small.all.p99ms,
        unit: 'ms',
        target: 'flat',
      },
      {
        ...base,
        metric: `random hits on 1k objects: req/s, ${n}`,
        trove: big.hot.rps,
        nginx: small.all.rps,
        unit: 'req/s',
        higher: true,
      },
      {
        ...base,
        metric: `random hits on every object: p99, ${n}`,
        trove: big.all.p99ms,
        nginx: small.all.p99ms,
        unit: 'ms',
      },
      {
        ...base,
        metric: `random hits on every object: req/s, ${n}`,
        trove: big.all.rps,
        nginx: small.all.rps,
        unit: 'req/s',
        higher: true,
      },
      {
        ...base,
        metric: `RSS at ready, ${n}`,
        trove: big.rssReadyMiB,
        nginx: small.rssReadyMiB,
        unit: 'MiB',
      },
      {
        ...base,
        metric: `RSS after hits on every object, ${n}`,
        trove: big.rssAfterMiB,
        nginx: small.rssAfterMiB,
        unit: 'MiB',
        target: 'not by entry count',
      },
    );
  }
}

/** W1-replicas: three Trove replicas on PostgreSQL and RGW, three nginx nodes. */
async function replicaRows(): Promise<void> {
  if (!replicasAvailable()) {
    console.warn('bench: W1-replicas skipped (needs postgresql-15, ceph-mon, ceph-osd, radosgw)');
    return;
  }
  console.log('bench: W1-replicas cold burst over 3 replicas');
  warmPageCache(join(data, 'w1r.bin'));
  replicaFigures(
    'W1-replicas',
    await replicasWorkload(work, data, 'w1r.bin', W1_SIZE, MAIN, fetchCount),
  );
  if (!existsSync(REGISTRY)) {
    console.warn('bench: W1-OCI-replicas skipped (needs docker-registry)');
    return;
  }
  console.log('bench: W1-OCI-replicas cold layer burst over 3 replicas and 3 distribution caches');
  const layer = readFileSync(join(data, 'w1r.bin'));
  replicaFigures('W1-OCI-replicas', await ociReplicasWorkload(work, layer, MAIN));
}

function replicaFigures(workload: string, f: ReplicaFigures): void {
  if (!f.complete.trove || !f.complete.nginx) {
    console.warn(
      `bench: ${workload} incomplete downloads (trove ok=${f.complete.trove}, peer ok=${f.complete.nginx})`,
    );
  }
  const base = { workload, higher: false };
  rows.push(
    {
      ...base,
      metric: 'upstream fetches (3 nodes)',
      trove: f.fetches.trove,
      nginx: f.fetches.nginx,
      unit: '',
      target: 'trove = 1',
    },
    {
      ...base,
      metric: 'median TTFB (50 clients, 3 nodes)',
      trove: f.ttfb.trove * 1000,
      nginx: f.ttfb.nginx * 1000,
      unit: 'ms',
    },
    {
      ...base,
      metric: 'total time (50 clients, 3 nodes)',
      trove: f.wall.trove,
      nginx: f.wall.nginx,
      unit: 's',
    },
  );
}

async function prefetchWorkload(upT: RegistryProc, upP: RegistryProc): Promise<Row[]> {
  console.log('bench: W6-OCI cold pull of a 5-layer image, prefetch on and off');
  const layers = [0, 1, 2, 3, 4].map(() => randomBytes(quick ? 4 * MB : 16 * MB));
  await pushLayers(`http://127.0.0.1:${upT.port}`, 'bench/five', layers);
  const rate = 32 * MB;
  const relays = await Promise.all([
    throttledRelay(`http://127.0.0.1:${upT.port}`, rate),
    throttledRelay(`http://127.0.0.1:${upT.port}`, rate),
    throttledRelay(`http://127.0.0.1:${upP.port}`, rate),
  ]);
  const at = (s: Server): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  const troveWith = async (name: string, relay: Server, prefetch: string) =>
    startTrove(
      name,
      0,
      `instances:\n  oci:\n    type: oci\n    registries:\n      upstream.bench: {url: '${at(relay)}'${prefetch}}\n`,
    );
  const plain = await troveWith('trove-w6-plain', relays[0] as Server, '');
  const eager = await troveWith('trove-w6-prefetch', relays[1] as Server, ', prefetch: true');
  const peer = await startRegistry(
    join(work, 'registry-w6-peer'),
    await freePort(),
    join(work, 'registry-w6-peer-storage'),
    at(relays[2] as Server),
  );
  children.push(peer.child);
  const path = 'upstream.bench/bench/five';
  const tPlain = await emulatedPull(`http://127.0.0.1:${plain.port}`, path);
  const tEager = await emulatedPull(`http://127.0.0.1:${eager.port}`, path);
  const tPeer = await emulatedPull(`http://127.0.0.1:${peer.port}`, 'bench/five');
  for (const s of relays) s.close();
  await stop(plain.child);
  await stop(eager.child);
  await stop(peer.child);
  const metric = `cold pull, 5 x ${(layers[0]?.length ?? 0) / MB} MiB layers at 32 MiB/s per response`;
  return [
    {
      workload: 'W6-OCI',
      metric: `${metric}, prefetch on`,
      trove: tEager,
      nginx: tPeer,
      unit: 's',
      higher: false,
      target: 'peer: distribution proxy',
    },
    {
      workload: 'W6-OCI',
      metric: `${metric}, prefetch off`,
      trove: tPlain,
      nginx: tPeer,
      unit: 's',
      higher: false,
    },
  ];
}

/** W2-npm, W5-npm and W4-npm: Trove against Verdaccio with an uplink, and nginx static. */
async function npmWorkloads(ports: NginxPorts, S: string): Promise<void> {
  console.log('bench: W2-npm warm packuments, W5-npm npm ci, W4-npm peak RSS');
  const fixtures = npmFixtures();
  const origin = await startVerdaccio(fixtures);
  const peer = await startVerdaccio([], { uplink: origin.url });
  const npmTrove = await startTrove(
    'trove-npm',
    ports.originForTrove,
    `instances:\n  npm:\n    type: npm\n    upstreams: ['${origin.url}/']\n`,
  );
  const T = `http://127.0.0.1:${npmTrove.port}/npm`;
  const P = peer.url;
  try {
    // W2-npm: warm both proxies; nginx serves Trove's own answer bytes statically.
    const staticDir = join(data, 'npm-static');
    mkdirSync(staticDir, { recursive: true });
    for (const name of ['alpha', 'big']) {
      for (let i = 0; i < 3; i++) {
        await curlOnce(`${T}/${name}`);
        await curlOnce(`${P}/${name}`);
      }
      // What npm asks for: Accept-Encoding gzip (Trove keeps a gzipped copy; Verdaccio
      // compresses each answer). nginx serves Trove's gzipped bytes as a plain file.
      const headers = ['Accept-Encoding: gzip'];
      const body = await rawGet(`${T}/${name}`, { 'accept-encoding': 'gzip' });
      const plain = await rawGet(`${T}/${name}`, {});
      writeFileSync(join(staticDir, name), body);
      const kb = `${(plain.length / 1024).toFixed(0)} KiB, ${(body.length / 1024).toFixed(0)} KiB gzipped`;
      const hits = (url: string) => wrk(url, { connections: 64, seconds: SECONDS, headers });
      await wrk(`${T}/${name}`, { connections: 64, seconds: 1, headers });
      const t = await hits(`${T}/${name}`);
      const v = await hits(`${P}/${name}`);
      const n = await hits(`${S}/npm-static/${name}`);
      if (t.errors || v.errors || n.errors) {
        console.warn(
          `bench: W2-npm non-2xx (trove ${t.errors}, verdaccio ${v.errors}, nginx ${n.errors})`,
        );
      }
      const what = `packument ${name} (${kb})`;
      rows.push({
        workload: 'W2-npm',
        metric: `${what}: req/s vs Verdaccio`,
        trove: t.rps,
        nginx: v.rps,
        unit: 'req/s',
        higher: true,
        target: '>= 20x',
      });
      rows.push({
        workload: 'W2-npm',
        metric: `${what}: p99 vs Verdaccio`,
        trove: t.p99ms,
        nginx: v.p99ms,
        unit: 'ms',
        higher: false,
      });
      rows.push({
        workload: 'W2-npm',
        metric: `${what}: req/s vs nginx static`,
        trove: t.rps,
        nginx: n.rps,
        unit: 'req/s',
        higher: true,
      });
    }

    // W5-npm: npm ci of the tree into an empty npm cache, from the same lockfile.
    staticTarballs(
      origin.storage,
      join(staticDir, 'reg'),
      fixtures.filter((f) => f.name.startsWith('dep-')),
    );
    const app = await npmApp(work, `${T}/`);
    const ci = (registry: string, i: number) => npmCi(app, `${T}/`, registry, i);
    const coldT = await ci(`${T}/`, 0);
    const coldV = await ci(`${P}/`, 1);
    const warmT = await medianOf(3, (i) => ci(`${T}/`, 10 + i));
    const warmV = await medianOf(3, (i) => ci(`${P}/`, 20 + i));
    const warmN = await medianOf(3, (i) => ci(`${S}/npm-static/reg/`, 30 + i));
    rows.push({
      workload: 'W5-npm',
      metric: 'npm ci, 50 packages, warm (vs nginx static)',
      trove: warmT,
      nginx: warmN,
      unit: 's',
      higher: false,
      target: '<= 1.1x',
    });
    rows.push({
      workload: 'W5-npm',
      metric: 'npm ci, 50 packages, warm (vs Verdaccio)',
      trove: warmT,
      nginx: warmV,
      unit: 's',
      higher: false,
      target: '< 1x',
    });
    rows.push({
      workload: 'W5-npm',
      metric: 'npm ci, 50 packages, cold (vs Verdaccio)',
      trove: coldT,
      nginx: coldV,
      unit: 's',
      higher: false,
      target: '< 1x',
    });
  } finally {
    await stop(npmTrove.child);
    await peer.stop();
    await origin.stop();
  }

  // W4-npm: fresh proxies, 20 clients at once on a cold packument of over 100 MB from nginx.
  const hugeMb = quick ? 20 : 110;
  mkdirSync(join(data, 'npmbig'), { recursive: true });
  hugePackument(join(data, 'npmbig', 'huge'), hugeMb);
  const bigTrove = await startTrove(
    'trove-npm-big',
    ports.originForTrove,
    `instances:\n  npm:\n    type: npm\n    upstreams: ['http://127.0.0.1:${ports.originForTrove}/npmbig/']\n`,
  );
  const bigPeer = await startVerdaccio([], {
    uplink: `http://127.0.0.1:${ports.originForNginx}/npmbig/`,
  });
  try {
    let peakT = 0;
    let peakV = 0;
    const baseT = rss(bigTrove.child.pid as number);
    const baseV = rss(bigPeer.pid);
    const sampler = setInterval(() => {
      peakT = Math.max(peakT, rss(bigTrove.child.pid as number) - baseT);
      peakV = Math.max(peakV, rss(bigPeer.pid) - baseV);
    }, 25);
    const bT = await curlBurst(`http://127.0.0.1:${bigTrove.port}/npm/huge`, 20);
    const bV = await curlBurst(`${bigPeer.url}/huge`, 20);
    clearInterval(sampler);
    const ok = (b: typeof bT) => b.results.filter((r) => r.status === 200).length;
    rows.push({
      workload: 'W4-npm',
      metric: `RSS growth, 20 clients x ${hugeMb} MiB packument cold`,
      trove: peakT / MB,
      nginx: peakV / MB,
      unit: 'MiB',
      higher: false,
      target: 'peer: Verdaccio',
    });
    rows.push({
      workload: 'W4-npm',
      metric: 'complete answers (20 clients)',
      trove: ok(bT),
      nginx: ok(bV),
      unit: '',
      higher: true,
    });
    rows.push({
      workload: 'W4-npm',
      metric: 'total time (20 clients)',
      trove: bT.wall,
      nginx: bV.wall,
      unit: 's',
      higher: false,
    });
  } finally {
    await stop(bigTrove.child);
    await bigPeer.stop();
  }
}

/** W2-pypi and W5-pypi: Trove against nginx serving Trove's own answers as a static tree. */
async function pypiWorkloads(S: string): Promise<void> {
  console.log('bench: W2-pypi warm project page of 2,000 files, W5-pypi pip download');
  const tree = await pipTree();
  const index = await PypiIndex.start([...bigProject(2000), ...tree]);
  const pypi = await startTrove(
    'trove-pypi',
    0,
    `instances:\n  pypi:\n    type: pypi\n    upstreams: ['${index.url}']\n    file_hosts: ['${index.files.url}']\n`,
  );
  const T = `http://127.0.0.1:${pypi.port}/pypi`;
  const staticDir = join(data, 'pypi-static');
  rmSync(staticDir, { recursive: true, force: true });
  mkdirSync(staticDir, { recursive: true });
  try {
    // W2-pypi: what pip and uv ask for, gzip included; nginx serves the same gzipped bytes.
    const forms: Array<[string, string]> = [
      ['HTML', 'text/html'],
      ['JSON', 'application/vnd.pypi.simple.v1+json'],
    ];
    for (const [label, accept] of forms) {
      const page = `${T}/simple/big/`;
      for (let i = 0; i < 3; i++) await rawGet(page, { accept, 'accept-encoding': 'gzip' });
      const body = await rawGet(page, { accept, 'accept-encoding': 'gzip' });
      const plain = await rawGet(page, { accept });
      writeFileSync(join(staticDir, `big-${label}`), body);
      const headers = [`Accept: ${accept}`, 'Accept-Encoding: gzip'];
      const hits = (url: string) => wrk(url, { connections: 64, seconds: SECONDS, headers });
      await wrk(page, { connections: 64, seconds: 1, headers });
      const t = await hits(page);
      const n = await hits(`${S}/pypi-static/big-${label}`);
      if (t.errors || n.errors) {
        console.warn(`bench: W2-pypi non-2xx (trove ${t.errors}, nginx ${n.errors})`);
      }
      const kb = `${(plain.length / 1024).toFixed(0)} KiB, ${(body.length / 1024).toFixed(0)} KiB gzipped`;
      rows.push({
        workload: 'W2-pypi',
        metric: `2,000-file page, ${label} (${kb}): req/s vs nginx static`,
        trove: t.rps,
        nginx: n.rps,
        unit: 'req/s',
        higher: true,
      });
      rows.push({
        workload: 'W2-pypi',
        metric: `2,000-file page, ${label}: p99 vs nginx static`,
        trove: t.p99ms,
        nginx: n.p99ms,
        unit: 'ms',
        higher: false,
      });
    }

    // W5-pypi: pip download of the tree, cold through Trove, then warm; nginx serves a static
    // copy of what Trove answered (its pages link files relative to themselves).
    const cold = await pipDownload(work, `${T}/simple/`, 0);
    const treeDir = join(staticDir, 'tree');
    for (const d of tree) {
      const project = d.project;
      const html = await rawGet(`${T}/simple/${project}/`, { accept: 'text/html' });
      mkdirSync(join(treeDir, 'simple', project), { recursive: true });
      writeFileSync(join(treeDir, 'simple', project, 'index.html'), html);
      const fileDir = join(treeDir, 'files', project, d.sha256);
      mkdirSync(fileDir, { recursive: true });
      writeFileSync(join(fileDir, d.filename), d.data);
      if (d.metadata) writeFileSync(join(fileDir, `${d.filename}.metadata`), d.metadata);
    }
    const warm = await medianOf(3, (i) => pipDownload(work, `${T}/simple/`, 1 + i));
    const direct = await medianOf(3, (i) =>
      pipDownload(work, `${S}/pypi-static/tree/simple/`, 10 + i),
    );
    w5Rows(
      'W5-pypi',
      `pip download, ${TREE} projects, warm (vs nginx static)`,
      `pip download, ${TREE} projects, cold (vs nginx static)`,
      { warm: warm, cold: cold, peer: direct },
    );
  } finally {
    await stop(pypi.child);
    await index.stop();
  }
}

/** W5-cargo: cargo fetch through Trove, cold and warm, against nginx serving the registry. */
async function cargoWorkloads(S: string): Promise<void> {
  if (spawnSync('cargo', ['--version']).status !== 0) {
    console.warn('bench: W5-cargo skipped (no cargo; rustup installs it)');
    return;
  }
  console.log(`bench: W5-cargo cargo fetch of ${CRATES} crates`);
  const crates = crateTree();
  const registry = await CargoRegistry.start(crates, 'bare');
  const cargo = await startTrove(
    'trove-cargo',
    0,
    `instances:\n  cargo:\n    type: cargo\n    upstreams: ['${registry.url}']\n`,
  );
  staticRegistry(join(data, 'cargo-static'), `${S}/cargo-static`, crates);
  const T = `http://127.0.0.1:${cargo.port}/cargo/`;
  try {
    // The lockfile comes from the static copy (the same crates-io source either way), so the
    // cold run through Trove fetches exactly what the warm runs do.
    await cargoFetch(work, `${S}/cargo-static/`, 0);
    const lock = join(work, 'cargo.lock');
    const cold = await cargoFetch(work, T, 1, lock);
    const warm = await medianOf(3, (i) => cargoFetch(work, T, 2 + i, lock));
    const direct = await medianOf(3, (i) => cargoFetch(work, `${S}/cargo-static/`, 10 + i, lock));
    w5Rows(
      'W5-cargo',
      `cargo fetch, ${CRATES} crates, warm (vs nginx static)`,
      `cargo fetch, ${CRATES} crates, cold (vs nginx static)`,
      { warm: warm, cold: cold, peer: direct },
    );
  } finally {
    await stop(cargo.child);
    await registry.stop();
  }
}

/** W5-maven: mvn compile through Trove, cold and warm, against nginx serving what mvn read. */
async function mavenWorkloads(S: string): Promise<void> {
  if (spawnSync('mvn', ['-v']).status !== 0 || !mavenReady()) {
    console.warn('bench: W5-maven skipped (needs mvn and the plugins in ~/.m2/repository)');
    return;
  }
  console.log(`bench: W5-maven mvn compile with a ${ARTIFACTS}-artifact tree`);
  const repo = await MavenRepo.start(true);
  await mavenTree(repo);
  const maven = await startTrove(
    'trove-maven',
    0,
    `instances:\n  maven:\n    type: maven\n    upstreams: ['${repo.url}']\n`,
  );
  const T = `http://127.0.0.1:${maven.port}/maven/`;
  try {
    const cold = await mvnCompile(work, T, 0);
    await staticCopy(repo, join(data, 'maven-static'));
    const warm = await medianOf(3, (i) => mvnCompile(work, T, 1 + i));
    const direct = await medianOf(3, (i) => mvnCompile(work, `${S}/maven-static/`, 10 + i));
    w5Rows(
      'W5-maven',
      `mvn compile, ${ARTIFACTS} artifacts and the plugins, warm (vs nginx static)`,
      'mvn compile, cold (vs nginx static)',
      { warm: warm, cold: cold, peer: direct },
    );
  } finally {
    await stop(maven.child);
    await repo.stop();
  }
}

/** W5-apt: apt-get update + download through Trove and through apt-cacher-ng, cold and warm. */
async function aptWorkloads(): Promise<void> {
  const acng = acngBinary(join(resolve('bench', '.work'), 'acng'));
  if ('skip' in acng || !['apt-get', 'apt-ftparchive', 'gpg'].every(has)) {
    console.warn(
      `bench: W5-apt skipped (${'skip' in acng ? acng.skip : 'needs apt-ftparchive and gpg'})`,
    );
    return;
  }
  console.log(`bench: W5-apt apt-get update + download of ${APT_PACKAGES} packages`);
  const { repo, names } = await aptArchive(APT_PACKAGES, W1_SIZE);
  const upstreamPort = Number(new URL(repo.url).port);
  const trove = await startTrove(
    'trove-apt',
    0,
    `instances:\n  deb:\n    type: deb\n    upstreams: ['${repo.url}/']\n`,
  );
  const peer = await startAcng(acng.root, join(work, 'acng'), upstreamPort);
  children.push(peer.child);
  const T = `http://127.0.0.1:${trove.port}/deb`;
  // apt-cacher-ng as it is mostly used: apt's HTTP proxy (Acquire::http::Proxy).
  const P = `http://127.0.0.1:${peer.port}/`;
  try {
    const viaTrove = (run: number) => aptFetch(work, T, repo.keyring, names, run);
    const viaPeer = (run: number) => aptFetch(work, repo.url, repo.keyring, names, run, P);
    const cold = await viaTrove(0);
    const peerCold = await viaPeer(1);
    const warm = await medianOf(3, (i) => viaTrove(2 + i));
    const peerWarm = await medianOf(3, (i) => viaPeer(10 + i));
    const metric = (w: string) =>
      `apt-get update + download, ${APT_PACKAGES} packages, ${w} (vs apt-cacher-ng)`;
    rows.push({
      workload: 'W5-apt',
      metric: metric('warm'),
      trove: warm,
      nginx: peerWarm,
      unit: 's',
      higher: false,
      target: '<= 1.1x',
    });
    rows.push({
      workload: 'W5-apt',
      metric: metric('cold'),
      trove: cold,
      nginx: peerCold,
      unit: 's',
      higher: false,
    });
    // W1-apt: 20 clients at once on one cold large package (listed, so Trove verifies it).
    const big = `/${BIG_DEB}`;
    const bt = await curlBurst(`${T}${big}`, 20);
    const trovePulls = repo.server?.count(big) ?? 0;
    const bp = await curlBurst(`${repo.url}${big}`, 20, ['-x', P]);
    const peerPulls = (repo.server?.count(big) ?? 0) - trovePulls;
    const whole = (r: typeof bt): number =>
      r.results.filter((x) => x.status === 200 && x.bytes > W1_SIZE).length;
    const ttfb = (r: typeof bt): number => median(r.results.map((x) => x.ttfb)) * 1000;
    const w1 = (metric: string, trove: number, peerValue: number, unit: string, more = {}) =>
      rows.push({
        workload: 'W1-apt',
        metric,
        trove,
        nginx: peerValue,
        unit,
        higher: false,
        ...more,
      });
    w1(
      `20 clients on one cold ${W1_SIZE / MB} MiB .deb: total time (vs apt-cacher-ng)`,
      bt.wall,
      bp.wall,
      's',
    );
    w1('median TTFB', ttfb(bt), ttfb(bp), 'ms');
    w1('upstream fetches', trovePulls, peerPulls, '', { target: 'trove = 1' });
    w1('complete downloads (of 20)', whole(bt), whole(bp), '', { higher: true });
  } finally {
    await stop(trove.child);
    await stop(peer.child);
    await repo.dispose();
  }
}

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** A W5 pair: warm against the peer (target <= 1.1x), then cold against the same peer. */
function w5Rows(
  workload: string,
  warmMetric: string,
  coldMetric: string,
  t: { warm: number; cold: number; peer: number },
): void {
  rows.push({
    workload,
    metric: warmMetric,
    trove: t.warm,
    nginx: t.peer,
    unit: 's',
    higher: false,
    target: '<= 1.1x',
  });
  rows.push({
    workload,
    metric: coldMetric,
    trove: t.cold,
    nginx: t.peer,
    unit: 's',
    higher: false,
  });
}

/** Reads a file once so the origin serves it from the page cache. */
function warmPageCache(path: string): void {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(8 * MB);
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  closeSync(fd);
}

/** RSS of the nginx master and its workers. */
/** RSS of a process and its children (nginx's master and workers, Trove's primary and workers). */
function treeRss(master: number): number {
  let total = rss(master);
  try {
    const kids = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (const k of kids) total += rss(Number(k));
  } catch {
    // no children file
  }
  return total;
}

async function nginxPorts(): Promise<NginxPorts> {
  return {
    originForTrove: await freePort(),
    originForNginx: await freePort(),
    proxy: await freePort(),
    static: await freePort(),
  };
}

/** 1,000 small files, and the wrk script asking for them at random below $PREFIX. */
function smallHitFiles(): string[] {
  const small = smallFiles(data, 1000);
  writeFileSync(join(work, 'paths.txt'), small.map((p) => `/${p}`).join('\n') + '\n');
  writeFileSync(
    join(work, 'random.lua'),
    `local paths = {}\nfor line in io.lines("${join(work, 'paths.txt')}") do paths[#paths + 1] = line end\n` +
      `local prefix = os.getenv("PREFIX") or ""\nrequest = function()\n  return wrk.format("GET", prefix .. paths[math.random(#paths)])\nend\n`,
  );
  return small;
}

/** W7-auth: good clients' hits while wrong passwords flood, Trove vs nginx auth_basic. */
async function authRows(): Promise<void> {
  for (const t of ['nginx', 'wrk']) need(t);
  console.log('bench: W7-auth wrong-password flood');
  const small = smallHitFiles();
  const ports = await nginxPorts();
  const origin = await startOrigin(join(work, 'auth-origin'), data, ports);
  children.push(origin);
  const htpasswd = htpasswdFile(join(work, 'auth'));
  const trove = await startTrove(
    'trove-auth',
    ports.originForTrove,
    `access:\n  htpasswd: ${htpasswd}\n` +
      `instances:\n  files:\n    type: file\n    upstreams: [http://127.0.0.1:${ports.originForTrove}/]\n` +
      `    default_policy: immutable\n    access:\n      rules: [{who: ${GOOD.user}, allow: [read, fetch]}]\n`,
  );
  const peer = await startAuthPeer(work, htpasswd, ports.originForNginx);
  children.push(peer.child);
  const T = `http://127.0.0.1:${trove.port}/files`;
  const N = `http://127.0.0.1:${peer.port}`;
  const authorization = goodHeader.slice('Authorization: '.length);
  for (const base of [T, N]) {
    for (const p of small) {
      const r = await fetch(`${base}/${p}`, { headers: { authorization } });
      if (r.status !== 200) throw new Error(`W7-auth warm-up: ${base}/${p} answered ${r.status}`);
      await r.arrayBuffer();
    }
  }
  const script = join(work, 'random.lua');
  const t = await floodWorkload(T, script, SECONDS);
  const n = await floodWorkload(N, script, SECONDS);
  const pair = (
    metric: string,
    a: number,
    b: number,
    unit: string,
    higher: boolean,
    target?: string,
  ) =>
    rows.push({
      workload: 'W7-auth',
      metric,
      trove: a,
      nginx: b,
      unit,
      higher,
      ...(target ? { target } : {}),
    });
  pair('good req/s, no flood', t.baseline.rps, n.baseline.rps, 'req/s', true);
  pair('good p99, no flood', t.baseline.p99ms, n.baseline.p99ms, 'ms', false);
  pair('good req/s, 1,000 bad/s from 1 address', t.single.rps, n.single.rps, 'req/s', true);
  pair(
    'good p99, 1,000 bad/s from 1 address',
    t.single.p99ms,
    n.single.p99ms,
    'ms',
    false,
    'trove <= 2x its no-flood p99',
  );
  pair('good req/s, 1,000 bad/s from 200 addresses', t.spray.rps, n.spray.rps, 'req/s', true);
  pair('good p99, 1,000 bad/s from 200 addresses', t.spray.p99ms, n.spray.p99ms, 'ms', false);
  pair(
    'good errors (non-2xx)',
    t.baseline.errors + t.single.errors + t.spray.errors,
    n.baseline.errors + n.single.errors + n.spray.errors,
    '',
    false,
    '0',
  );
  const share = (s: Record<string, number>, k: string) =>
    (100 * (s[k] ?? 0)) /
    Math.max(
      1,
      Object.values(s).reduce((a, b) => a + b, 0),
    );
  pair(
    'flood answered 429 (no bcrypt)',
    share(t.floodStatus, '429'),
    share(n.floodStatus, '429'),
    '%',
    true,
  );
  console.log(
    `bench: W7-auth flood statuses: trove ${JSON.stringify(t.floodStatus)}, nginx ${JSON.stringify(n.floodStatus)}`,
  );
  await stop(trove.child);
}

function print(): void {
  const fmt = (n: number): string =>
    Number.isFinite(n) ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2)) : 'n/a';
  console.log(
    `\nTrove vs its peers (W1-W3 and W6: Trove, nginx and the bare server with ${WORKERS} worker${WORKERS === 1 ? '' : 's'} each; docker-registry's proxy mode for W1-OCI), ${quick ? 'quick' : 'full'} sizes\n`,
  );
  const header = ['workload', 'metric', 'trove', 'peer', 'unit', 'trove/peer', 'target'];
  const lines = rows.map((r) => [
    r.workload,
    r.metric,
    fmt(r.trove),
    fmt(r.nginx),
    r.unit,
    r.nginx ? `${(r.trove / r.nginx).toFixed(2)}x` : 'n/a',
    r.target ?? '',
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => (l[i] as string).length)),
  );
  const row = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  console.log(row(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(row(l));
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const c of children.reverse()) await stop(c);
  });
