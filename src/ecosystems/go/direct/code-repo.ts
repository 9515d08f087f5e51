// Go module semantics over a git repository (cmd/go's modfetch coderepo): which tags are
// versions of the module, where its files live at a revision, pseudo-versions for untagged
// commits, and the .info, .mod and .zip answers.
import type { Readable } from 'node:stream';
import type { GitRepo } from '../../../vcs/git-repo.js';
import { splitPathVersion } from '../module-path.js';
import { canonicalVersion, isCanonicalVersion, isPseudoVersion, parseSemver } from '../semver.js';
import { latestOf } from '../version-lists.js';
import { MAX_GO_MOD, MAX_LICENSE, MAX_ZIP, moduleZip } from './module-zip.js';
import { parsePseudo, pseudoTime, pseudoVersion } from './pseudo.js';

/** The module or revision does not exist: the protocol's 404. */
export class NotFoundError extends Error {}

export interface Info {
  Version: string;
  Time: string;
}

interface Resolved {
  version: string;
  hash: string;
  time: number;
}

const rfc3339 = (sec: number): string =>
  new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The module path a go.mod declares, or null. */
export function goModPath(gomod: Buffer): string | null {
  const m = /^\s*module\s+(?:"([^"]+)"|(\S+))/m.exec(gomod.toString('utf8'));
  return m ? ((m[1] ?? m[2]) as string) : null;
}

export class CodeRepo {
  readonly #repo: GitRepo;
  readonly #path: string;
  /** The module's directory in the repository, without a major-version suffix. */
  readonly #codeDir: string;
  readonly #pathMajor: string;

  constructor(repo: GitRepo, modulePath: string, repoRoot: string) {
    this.#repo = repo;
    this.#path = modulePath;
    const { prefix, pathMajor } = splitPathVersion(modulePath);
    this.#pathMajor = pathMajor.startsWith('/') ? pathMajor : '';
    const codeRoot = this.#pathMajor ? prefix : modulePath;
    this.#codeDir = codeRoot === repoRoot ? '' : codeRoot.slice(repoRoot.length + 1);
  }

  get #tagPrefix(): string {
    return this.#codeDir ? `${this.#codeDir}/` : '';
  }

  /** A tag's version for this module, or null when the tag is not one of its versions. */
  #tagVersion(tag: string): string | null {
    if (!tag.startsWith(this.#tagPrefix)) return null;
    const v = tag.slice(this.#tagPrefix.length);
    if (!isCanonicalVersion(v) || v.includes('+') || isPseudoVersion(v)) return null;
    const major = parseSemver(v)?.major ?? '';
    if (this.#pathMajor) return this.#pathMajor === `/v${major}` ? v : null;
    return major === '0' || major === '1' ? v : `${v}+incompatible`;
  }

  async #hasGoMod(hash: string): Promise<boolean> {
    return (
      (await this.#repo.readFile(hash, this.#join(this.#codeDir, 'go.mod'), MAX_GO_MOD)) !== null
    );
  }

  #join(...parts: string[]): string {
    return parts.filter(Boolean).join('/');
  }

  async versions(): Promise<string[]> {
    const { tags } = await this.#repo.refs();
    const out: string[] = [];
    for (const t of tags) {
      const v = this.#tagVersion(t.name);
      if (!v) continue;
      // v2+ tags without /vN are +incompatible, valid only where the module has no go.mod.
      if (v.endsWith('+incompatible') && (await this.#hasGoMod(t.hash))) continue;
      out.push(v);
    }
    return out;
  }

  async latest(): Promise<Info> {
    const pick = latestOf(await this.versions());
    if (pick) return this.info(pick);
    const { head } = await this.#repo.refs();
    if (!head) throw new NotFoundError(`${this.#path}: no versions and no default branch`);
    return this.info(head);
  }

  async info(rev: string): Promise<Info> {
    const r = await this.#resolve(rev);
    return { Version: r.version, Time: rfc3339(r.time) };
  }

  /** A canonical version, a pseudo-version, or a query (branch, tag, commit hash). */
  async #resolve(rev: string): Promise<Resolved> {
    const pseudo = parsePseudo(rev);
    if (pseudo) {
      const hash = await this.#repo.resolve(pseudo.rev);
      if (!hash) throw new NotFoundError(`${this.#path}@${rev}: unknown revision ${pseudo.rev}`);
      const time = await this.#repo.commitTime(hash);
      if (pseudoTime(time) !== pseudo.time) {
        throw new NotFoundError(
          `${this.#path}@${rev}: does not match version-control timestamp (expected ${pseudoTime(time)})`,
        );
      }
      return { version: rev, hash, time };
    }
    if (isCanonicalVersion(rev)) {
      const tag = `${this.#tagPrefix}${rev.replace(/\+incompatible$/, '')}`;
      if (this.#tagVersion(tag) !== rev)
        throw new NotFoundError(`${this.#path}@${rev}: invalid version for this module`);
      const hash = await this.#repo.resolve(`refs/tags/${tag}`);
      if (!hash) throw new NotFoundError(`${this.#path}@${rev}: unknown revision ${tag}`);
      if (rev.endsWith('+incompatible') && (await this.#hasGoMod(hash))) {
        throw new NotFoundError(
          `${this.#path}@${rev}: invalid version: module contains a go.mod file, so major version must be compatible`,
        );
      }
      return { version: rev, hash, time: await this.#repo.commitTime(hash) };
    }
    const hash = await this.#repo.resolve(rev);
    if (!hash) throw new NotFoundError(`${this.#path}@${rev}: unknown revision ${rev}`);
    const time = await this.#repo.commitTime(hash);
    // A commit with a version tag is that version; otherwise a pseudo-version.
    const exact = await this.#versionsOf(await this.#repo.tagsAt(hash), hash);
    const tagged = latestOf(exact);
    if (tagged) return { version: tagged, hash, time };
    const ancestors = await this.#versionsOf(await this.#repo.mergedTags(hash), hash);
    const base =
      latestOf(ancestors.filter((v) => !v.endsWith('+incompatible'))) ?? latestOf(ancestors);
    const major = this.#pathMajor
      ? this.#pathMajor.slice(1)
      : base?.endsWith('+incompatible')
        ? `v${parseSemver(base)?.major}`
        : 'v0';
    return { version: pseudoVersion(major, base, time, hash), hash, time };
  }

  /** This module's versions among tags; +incompatible ones only where `hash` has no go.mod. */
  async #versionsOf(tags: string[], hash: string): Promise<string[]> {
    const versions = tags.map((t) => this.#tagVersion(t)).filter((v): v is string => v !== null);
    if (!versions.some((v) => v.endsWith('+incompatible')) || !(await this.#hasGoMod(hash))) {
      return versions;
    }
    return versions.filter((v) => !v.endsWith('+incompatible'));
  }

  /** The module's directory at a commit: a major-version subdirectory, or its code dir. */
  async #moduleDir(r: Resolved): Promise<string> {
    if (this.#pathMajor) {
      const sub = this.#join(this.#codeDir, this.#pathMajor.slice(1));
      const gomod = await this.#repo.readFile(r.hash, this.#join(sub, 'go.mod'), MAX_GO_MOD);
      if (gomod && goModPath(gomod) === this.#path) return sub;
    }
    const gomod = await this.#repo.readFile(
      r.hash,
      this.#join(this.#codeDir, 'go.mod'),
      MAX_GO_MOD,
    );
    const declared = gomod ? goModPath(gomod) : null;
    if (gomod && declared !== this.#path && !r.version.endsWith('+incompatible')) {
      throw new NotFoundError(
        `${this.#path}@${r.version}: go.mod has non-${this.#path} module path "${declared ?? ''}"`,
      );
    }
    if (!gomod && this.#pathMajor) {
      throw new NotFoundError(`${this.#path}@${r.version}: no go.mod declaring ${this.#path}`);
    }
    return this.#codeDir;
  }

  async goMod(version: string): Promise<Buffer> {
    const r = await this.#resolve(version);
    if (version.endsWith('+incompatible')) return Buffer.from(`module ${this.#path}\n`);
    const dir = await this.#moduleDir(r);
    return (
      (await this.#repo.readFile(r.hash, this.#join(dir, 'go.mod'), MAX_GO_MOD)) ??
      Buffer.from(`module ${this.#path}\n`)
    );
  }

  async zip(version: string): Promise<Readable> {
    if (!isCanonicalVersion(version) || canonicalVersion(version) !== version) {
      throw new NotFoundError(`${this.#path}@${version}: version is not canonical`);
    }
    const r = await this.#resolve(version);
    const dir = await this.#moduleDir(r);
    const archive = await this.#repo.archive(r.hash, dir, MAX_ZIP);
    return moduleZip(archive, dir, `${this.#path}@${version}`, () =>
      this.#repo.readFile(r.hash, 'LICENSE', MAX_LICENSE),
    );
  }
}
