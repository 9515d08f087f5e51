// Replicas for the tests: Trove apps, each with its own directory (spools only), sharing one
// PostgreSQL database and one RGW bucket per test. Started in-process; stopped together.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type PgCluster } from './postgres.js';
import { startRgw, type Rgw } from './rgw.js';
import { startTrove, type TestTrove } from './trove.js';

export class ReplicaSet {
  pg!: PgCluster;
  rgw!: Rgw;
  root!: string;
  readonly running: Array<{ stop(): Promise<unknown> }> = [];

  async start(): Promise<void> {
    this.root = mkdtempSync(join(tmpdir(), 'trove-replicas-'));
    [this.pg, this.rgw] = await Promise.all([startPostgres(), startRgw()]);
  }

  /** A fresh database and bucket: the storage section every replica of one test shares. */
  async storage(): Promise<Record<string, unknown>> {
    const bucket = await this.rgw.bucket('replicas');
    return {
      index: { url: await this.pg.database(), pool_size: 4 },
      blobs: {
        bucket,
        endpoint: this.rgw.endpoint,
        path_style: true,
        access_key_id: this.rgw.accessKeyId,
        secret_access_key: this.rgw.secretAccessKey,
      },
    };
  }

  async replica(config: Record<string, unknown>, storage: object): Promise<TestTrove> {
    const dir = mkdtempSync(join(this.root, 'replica-'));
    const t = await startTrove({ ...config, storage: { ...storage, dir } }, { dir });
    this.running.push(t);
    return t;
  }

  /** Stops what the test started (newest first). */
  async stopRunning(): Promise<void> {
    for (const r of this.running.splice(0).reverse()) await r.stop();
  }

  async stop(): Promise<void> {
    await this.stopRunning();
    await Promise.all([this.pg?.stop(), this.rgw?.stop()]);
    if (this.root) rmSync(this.root, { recursive: true, force: true });
  }
}
