// A throwaway PostgreSQL 15 cluster for the tests: initdb in a temp dir, listening on a unix
// socket only (no port to collide with another test file), one database per caller.
// PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { runCommand } from './run.js';

const BIN = '/usr/lib/postgresql/15/bin';

export function hasPostgres(): boolean {
  return existsSync(`${BIN}/initdb`) && existsSync(`${BIN}/pg_ctl`);
}

/** True when PostgreSQL 15 is installed; throws in CI, where .ci/run installs it. */
export function requirePostgres(): boolean {
  if (hasPostgres()) return true;
  const msg = `PostgreSQL 15 missing (${BIN}; bash .ci/run installs postgresql-15)`;
  if (process.env['CI'] === 'true') throw new Error(msg);
  console.warn(`\n!!! SKIPPING: ${msg}\n`);
  return false;
}

export interface PgCluster {
  /** The socket directory. */
  dir: string;
  /** A URL for a new, empty database. */
  database(): Promise<string>;
  /** Stops the server (clients are cut off); `resume` starts it again on the same data. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const asPostgres = (cmd: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];

async function run(cmd: string, args: string[]): Promise<void> {
  const [c, a] = asPostgres(cmd, args);
  const r = await runCommand(c, a, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${cmd} failed (${r.code}): ${r.err || r.out}`);
}

export async function startPostgres(): Promise<PgCluster> {
  const dir = mkdtempSync('/tmp/trove-pg-');
  if (process.getuid?.() === 0) {
    const ids = execFileSync('id', ['-u', 'postgres']).toString().trim();
    const gid = execFileSync('id', ['-g', 'postgres']).toString().trim();
    chownSync(dir, Number(ids), Number(gid));
  }
  const data = `${dir}/data`;
  await run(`${BIN}/initdb`, [
    ...['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8'],
    ...['--locale=C.UTF-8', '--no-sync'],
  ]);
  // No TCP listener (-h ''), the socket in `dir`; durability off: the data is thrown away.
  const opts = `-k ${dir} -h '' -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = async (): Promise<pg.Client> => {
    await run(`${BIN}/pg_ctl`, ['-D', data, '-l', `${dir}/server.log`, '-w', '-o', opts, 'start']);
    const c = new pg.Client({ host: dir, user: 'postgres', database: 'postgres' });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  // Immediate: no checkpoint, and (synchronous_commit off) the last commits may be lost; fine
  // for the end. A pause is a clean restart, which keeps every commit.
  const halt = (mode = 'immediate'): Promise<void> =>
    run(`${BIN}/pg_ctl`, ['-D', data, '-m', mode, '-w', 'stop']).catch(() => undefined);
  let admin = await start();
  let n = 0;
  return {
    dir,
    async database() {
      const name = `t${++n}`;
      await admin.query(`CREATE DATABASE ${name}`);
      return `postgresql://postgres@localhost/${name}?host=${encodeURIComponent(dir)}`;
    },
    async pause() {
      await halt('fast');
      await admin.end().catch(() => undefined);
    },
    async resume() {
      admin = await start();
    },
    async stop() {
      await admin.end().catch(() => undefined);
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
