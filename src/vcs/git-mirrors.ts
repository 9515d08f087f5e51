// One GitMirror per repository URL and credential, shared by every instance that asks.
import { createHash } from 'node:crypto';
import { GitMirror, type GitSettings } from './git-mirror.js';
import type { GitRepo } from './git-repo.js';

export class GitMirrors {
  readonly #settings: GitSettings;
  readonly #mirrors = new Map<string, GitMirror>();

  constructor(settings: GitSettings) {
    this.#settings = settings;
  }

  get(url: string, authorization: string | undefined, refreshMs?: number): GitRepo {
    // Keyed by a hash of the credential, never the credential itself.
    const who = authorization ? createHash('sha256').update(authorization).digest('hex') : '';
    const key = `${url} ${who}`;
    let m = this.#mirrors.get(key);
    if (!m) {
      const settings = refreshMs === undefined ? this.#settings : { ...this.#settings, refreshMs };
      m = new GitMirror(url, authorization, settings);
      this.#mirrors.set(key, m);
    }
    return m;
  }
}
