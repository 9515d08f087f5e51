// What every repository fixture shares: a scratch directory, the tree served upstream, a
// static server over it, and reading and writing files below it. No vitest imports.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FakeUpstream } from './fake-server.js';
import { serveDirectory } from './static-server.js';

export const run = (
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
): string =>
  execFileSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: 'pipe',
    ...(cwd ? { cwd } : {}),
  });

export class StaticRepo {
  readonly dir: string;
  /** The tree served upstream. */
  readonly root: string;
  server: FakeUpstream | null = null;
  /** The mtime (whole seconds) of the last publication's top files. */
  #stamp = 0;

  protected constructor(dir: string, root: string) {
    this.dir = dir;
    this.root = root;
    mkdirSync(root, { recursive: true });
  }

  get url(): string {
    if (!this.server) throw new Error('not serving');
    return this.server.url;
  }

  async serve(tls?: { key: string; cert: string }, port = 0): Promise<this> {
    this.server = await serveDirectory(this.root, tls, port);
    return this;
  }

  /**
   * Gives a publication's top files a Last-Modified later than the previous one's, as a
   * repository whose publications are seconds apart has (HTTP dates are whole seconds).
   */
  protected touch(dir: string, names: readonly string[]): void {
    this.#stamp = Math.max(Math.floor(Date.now() / 1000), this.#stamp + 1);
    for (const name of names) {
      try {
        utimesSync(join(dir, name), this.#stamp, this.#stamp);
      } catch {
        // not written (unsigned)
      }
    }
  }

  file(rel: string): Buffer {
    return readFileSync(join(this.root, rel));
  }

  write(rel: string, body: Buffer | string): void {
    mkdirSync(dirname(join(this.root, rel)), { recursive: true });
    writeFileSync(join(this.root, rel), body);
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = null;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
