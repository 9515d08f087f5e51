// Real clients for end-to-end tests. In CI (CI=true) a missing client fails the test run;
// on a developer machine the test is skipped with a loud notice.
import { spawnSync } from 'node:child_process';

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Returns true when every tool is present; throws in CI when one is missing. */
export function requireTools(...names: string[]): boolean {
  const missing = names.filter((n) => !hasTool(n));
  if (missing.length === 0) return true;
  const msg = `end-to-end client(s) missing: ${missing.join(', ')} (bash .ci/run installs them)`;
  if (process.env['CI'] === 'true') throw new Error(msg);
  console.warn(`\n!!! SKIPPING: ${msg}\n`);
  return false;
}
