// One replica at a time runs a job set (the cache's housekeeping): whoever holds the job's lease
// runs it, renews the lease while it runs, and stops it when the lease is lost. The others try
// to take the lease every third of its lifetime, so a dead holder is replaced within about one.
import type { Logger } from 'pino';
import { leaseEnded, type LeaseStore } from './lease-store.js';

export interface Running {
  stop(): Promise<void>;
}

export function whileElected(
  store: LeaseStore,
  key: string,
  ttlMs: number,
  start: () => Running,
  log: Logger,
): Running {
  let job: Running | null = null;
  let generation = 0;
  let renewed = 0;
  let stopped = false;
  let busy = false;
  const lose = async (why: string): Promise<void> => {
    const was = job;
    job = null;
    log.warn({ key, why }, 'no longer elected; stopping');
    await was?.stop();
  };
  const tick = async (): Promise<void> => {
    if (busy || stopped) return;
    busy = true;
    try {
      if (job) {
        if (await store.renew(key, generation)) renewed = Date.now();
        else await lose('lease taken over');
        return;
      }
      const got = await store.acquire(key);
      if (got.kind === 'mine' && !stopped) {
        generation = got.generation;
        renewed = Date.now();
        log.info({ key }, 'elected: this replica runs it');
        job = start();
      }
    } catch (err) {
      // PostgreSQL unreachable: keep running until another replica could have taken over.
      if (job && Date.now() - renewed > (ttlMs * 2) / 3) await lose((err as Error).message);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), ttlMs / 3);
  timer.unref();
  void tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      const was = job;
      job = null;
      await was?.stop();
      if (was) await store.release(key, generation).catch(() => undefined);
    },
  };
}

/**
 * Runs `job` as the holder of `key`'s lease (renewed while it runs), or waits until the
 * replica that holds it is done (false), as cluster workers do for one machine.
 */
export async function exclusive(
  store: LeaseStore,
  key: string,
  ttlMs: number,
  job: () => Promise<void>,
): Promise<boolean> {
  const got = await store.acquire(key);
  if (got.kind === 'held') {
    await leaseEnded(store, key, got, 10 * 60_000);
    return false;
  }
  const timer = setInterval(
    () => void store.renew(key, got.generation).catch(() => false),
    ttlMs / 3,
  );
  timer.unref();
  try {
    await job();
  } finally {
    clearInterval(timer);
    await store.release(key, got.generation).catch(() => undefined);
  }
  return true;
}
