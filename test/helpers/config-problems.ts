// The problems a configuration file is refused with, with its path shown as FILE.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { defaultRegistry } from '../../src/ecosystems/registry.js';

const registry = defaultRegistry();
const dir = mkdtempSync(join(tmpdir(), 'trove-config-'));
let n = 0;

/** [] for a valid file; otherwise one line per problem. */
export function configProblems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  const f = join(dir, `c${n++}.yaml`);
  writeFileSync(f, yaml);
  try {
    loadConfig(registry, { file: f, env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => p.replace(f, 'FILE'));
  }
  return [];
}
