// A throwaway S3 endpoint for the tests: single-node Ceph (one mon, one memstore OSD, radosgw)
// on 127.0.0.1, with no cephx. The recipe and its traps are in the shared research notes
// (scale-out.md §3.3). Ports are picked free per cluster, so test files may run in parallel.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { runCommand } from './run.js';
import { requireTools } from './tools.js';

export const requireRgw = (): boolean =>
  requireTools('ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph-authtool', 'monmaptool');

export interface Rgw {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Creates a bucket with a new name (`<prefix>-<n>`) and returns the name. */
  bucket(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function must(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const r = await runCommand(cmd, args, { timeoutMs });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.err}`);
  return r.out.trim();
}

const conf = (d: string, fsid: string, mon: string, rgwPort: number): string => `[global]
fsid = ${fsid}
mon host = ${mon}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
keyring = ${d}/keyring
run dir = ${d}/run
admin socket = ${d}/run/$name.asok
log file = ${d}/log/$name.log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
ms mon client mode = crc secure
paxos propose interval = 0.01
paxos min wait = 0.001
osd crush chooseleaf type = 0
[mon]
mon data = ${d}/mon.$id
mon cluster log file = ${d}/log/cluster.log
[osd]
osd data = ${d}/osd.$id
osd objectstore = memstore
memstore device bytes = 2147483648
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
`;

export async function startRgw(): Promise<Rgw> {
  const d = mkdtempSync(join(tmpdir(), 'trove-rgw-'));
  await must('mkdir', ['-p', `${d}/mon.a`, `${d}/osd.0`, `${d}/run`, `${d}/log`]);
  const [v2, v1, rgwPort] = [await freePort(), await freePort(), await freePort()];
  const mon = `[v2:127.0.0.1:${v2},v1:127.0.0.1:${v1}]`;
  const fsid = crypto.randomUUID();
  writeFileSync(`${d}/ceph.conf`, conf(d, fsid, mon, rgwPort as number));
  const c = ['-c', `${d}/ceph.conf`];
  const daemons: ChildProcess[] = [];
  const daemon = (cmd: string, args: string[], log: string): void => {
    const out = `${d}/log/${log}`;
    const child = spawn('sh', ['-c', `exec "$0" "$@" >>${out} 2>&1`, cmd, ...args], {
      stdio: 'ignore',
    });
    daemons.push(child);
  };
  const stop = async (): Promise<void> => {
    await Promise.all(
      daemons.map(
        (p) =>
          new Promise<void>((r) => {
            if (p.exitCode !== null || p.signalCode !== null) return r();
            p.once('exit', () => r());
            p.kill('SIGKILL');
          }),
      ),
    );
    rmSync(d, { recursive: true, force: true });
  };
  try {
    const keyring = `${d}/keyring`;
    await must('ceph-authtool', ['--create-keyring', keyring, '--gen-key', '-n', 'mon.']);
    await must('ceph-authtool', [keyring, '--gen-key', '-n', 'client.admin']);
    await must('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', mon, `${d}/monmap`]);
    await must('ceph-mon', [
      ...c,
      '--mkfs',
      '-i',
      'a',
      '--monmap',
      `${d}/monmap`,
      '--keyring',
      keyring,
    ]);
    daemon('ceph-mon', [...c, '-i', 'a', '-f'], 'mon.out');
    const uuid = crypto.randomUUID();
    const id = await must('ceph', [...c, 'osd', 'new', uuid]);
    await must('ceph-osd', [...c, '-i', id, '--mkfs', '--osd-uuid', uuid]);
    daemon('ceph-osd', [...c, '-i', id, '-f'], 'osd.out');
    daemon('radosgw', [...c, '-n', 'client.rgw.a', '-f'], 'rgw.out');
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const up = await fetch(`${endpoint}/`).then(
        () => true,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline) throw new Error(`radosgw did not answer on ${endpoint}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const [accessKeyId, secretAccessKey] = ['TROVEKEY', 'TROVESECRET'];
    await must('radosgw-admin', [
      ...c,
      ...['user', 'create', '--uid=trove', '--display-name=trove'],
      `--access-key=${accessKeyId}`,
      `--secret-key=${secretAccessKey}`,
    ]);
    let buckets = 0;
    const bucket = async (prefix = 'trove'): Promise<string> => {
      const name = `${prefix}-${++buckets}`;
      const s3 = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId, secretAccessKey },
      });
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      s3.destroy();
      return name;
    };
    return { endpoint, accessKeyId, secretAccessKey, bucket, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
