// What the Linux repository client tests share: one instance over the fixture archive, Trove
// started on it, and everything removed afterwards.
import { rmSync } from 'node:fs';
import type { StaticRepo } from './static-repo.js';
import { startTrove, type TestTrove } from './trove.js';

/** The config of one instance `name` of `type` over `url`, refreshing every second. */
export function repoConfig(name: string, type: string): (url: string) => Record<string, unknown> {
  return (url) => ({ instances: { [name]: { type, upstreams: [url], refresh_interval: '1s' } } });
}

/** Serves the fixture archive and starts Trove on it (its directory kept for restarts). */
export async function troveOver(
  repo: StaticRepo,
  config: (url: string) => Record<string, unknown>,
): Promise<TestTrove> {
  await repo.serve();
  return startTrove(config(repo.url), { keepDir: true });
}

/** Stops Trove and the archive, and removes them and the test's scratch directory. */
export async function endRepoTest(
  trove: TestTrove | undefined,
  repo: StaticRepo | undefined,
  work: string,
): Promise<void> {
  await trove?.stop();
  if (trove) rmSync(trove.dir, { recursive: true, force: true });
  await repo?.dispose();
  rmSync(work, { recursive: true, force: true });
}
