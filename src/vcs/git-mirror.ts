// A bare mirror of one remote git repository, driven by the git CLI: refs, fetches, files at a
// revision, ancestry and archives. Credentials travel as an http.<url>.extraHeader set through
// GIT_CONFIG_* environment variables, so they never appear in process arguments, and git's
// error output is scrubbed before it is reported.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { TroveError } from '../errors.js';
import { bypassesProxy } from '../upstream/network/dispatcher.js';

export interface GitSettings {
  /** Where bare mirrors live. */
  dir: string;
  /** A fresh temp file path on the same filesystem. */
  tempPath(): string;
  /** Outbound proxy URLs for http and https remotes, and hosts reached without them. */
  proxy?: { http?: string | undefined; https?: string | undefined } | undefined;
  noProxy?: readonly string[];
  /** PEM file of extra trusted CAs. */
  caFile?: string | undefined;
  timeoutMs: number;
  /** How long refs are trusted before the mirror fetches again. */
  refreshMs: number;
}

export interface Ref {
  name: string;
  hash: string;
}

export interface FileView {
  size: number;
  read(position: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** Thrown for git failures: network or server trouble (502), never "not found". */
export function gitError(what: string, stderr: string, secrets: readonly string[]): TroveError {
  let text = stderr.trim().split('\n').slice(-3).join(' / ');
  for (const s of secrets) if (s) text = text.split(s).join('***');
  return new TroveError('TROVE_ERR_UPSTREAM_STATUS', `git ${what} failed: ${text}`);
}

export class GitMirror {
  readonly url: string;
  readonly #s: GitSettings;
  readonly #dir: string;
  readonly #authorization: string | undefined;
  #fetchedAt = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(url: string, authorization: string | undefined, settings: GitSettings) {
    if (!/^https?:\/\/[^\s]+$/i.test(url) || !URL.canParse(url)) {
      throw new TroveError('TROVE_ERR_UPSTREAM_STATUS', `git remotes must be http(s) URLs: ${url}`);
    }
    this.url = url;
    this.#s = settings;
    this.#authorization = authorization;
    const id = createHash('sha256').update(url).digest('hex').slice(0, 32);
    this.#dir = join(settings.dir, `${id}.git`);
  }

  /** Every tag and branch, fetching first when the mirror is older than refreshMs. */
  async refs(): Promise<{ tags: Ref[]; branches: Ref[]; head: string | null }> {
    await this.#refresh(false);
    const out = await this.#git(
      ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/tags', 'refs/heads'],
      'list refs',
    );
    const tags: Ref[] = [];
    const branches: Ref[] = [];
    for (const line of out.toString('utf8').split('\n')) {
      const [hash, ref] = line.split(' ');
      if (!hash || !ref) continue;
      if (ref.startsWith('refs/tags/')) tags.push({ name: ref.slice(10), hash });
      else if (ref.startsWith('refs/heads/')) branches.push({ name: ref.slice(11), hash });
    }
    const head = await this.#git(['symbolic-ref', '--short', 'HEAD'], 'read HEAD').then(
      (b) => b.toString('utf8').trim() || null,
      () => null,
    );
    return { tags, branches, head };
  }

  /** The commit a revision (tag, branch, full or short hash) names, or null. */
  async resolve(rev: string): Promise<string | null> {
    if (!/^[A-Za-z0-9._/-]+$/.test(rev) || rev.startsWith('-')) return null;
    const lookup = () =>
      this.#git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], 'resolve').then(
        (b) => b.toString('utf8').trim() || null,
        () => null,
      );
    await this.#refresh(false);
    // A commit may be newer than the mirror: fetch once before giving up.
    return (await lookup()) ?? (await this.#refresh(true).then(lookup));
  }

  /** Commit time (seconds since the epoch, UTC). */
  async commitTime(hash: string): Promise<number> {
    const out = await this.#git(['log', '-1', '--format=%ct', hash], 'read commit');
    return Number(out.toString('utf8').trim());
  }

  /** Tags pointing at the commit or at its ancestors. */
  async mergedTags(hash: string): Promise<string[]> {
    const out = await this.#git(['tag', '--merged', hash], 'list ancestor tags');
    return out.toString('utf8').split('\n').filter(Boolean);
  }

  /** Tags pointing exactly at the commit. */
  async tagsAt(hash: string): Promise<string[]> {
    const out = await this.#git(['tag', '--points-at', hash], 'list tags');
    return out.toString('utf8').split('\n').filter(Boolean);
  }

  /** A file at a commit, or null when it does not exist there (or is not a regular file). */
  async readFile(hash: string, path: string, max: number): Promise<Buffer | null> {
    const type = await this.#git(['cat-file', '-t', `${hash}:${path}`], 'stat').then(
      (b) => b.toString('utf8').trim(),
      () => null,
    );
    if (type !== 'blob') return null;
    const size = Number(
      (await this.#git(['cat-file', '-s', `${hash}:${path}`], 'stat')).toString('utf8'),
    );
    if (size > max)
      throw new TroveError('TROVE_ERR_TOO_LARGE', `${path} is ${size} bytes (limit ${max})`);
    return this.#git(['cat-file', 'blob', `${hash}:${path}`], 'read file');
  }

  /** `git archive --format=zip` of a commit (limited to `subdir`), spooled to a temp file. */
  async archive(hash: string, subdir: string, max: number): Promise<FileView> {
    const path = this.#s.tempPath();
    const args = [
      'archive',
      '--format=zip',
      '--prefix=prefix/',
      hash,
      ...(subdir ? ['--', subdir] : []),
    ];
    await this.#git(args, 'archive', path);
    const size = (await stat(path)).size;
    if (size > max) {
      await rm(path, { force: true });
      throw new TroveError(
        'TROVE_ERR_TOO_LARGE',
        `archive of ${hash} is ${size} bytes (limit ${max})`,
      );
    }
    const fh = await open(path, 'r');
    await rm(path, { force: true }); // the open handle keeps the bytes until close
    return {
      size,
      async read(position, length) {
        const buf = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - position)));
        const { bytesRead } = await fh.read(buf, 0, buf.length, position);
        return buf.subarray(0, bytesRead);
      },
      close: () => fh.close(),
    };
  }

  /** Clones or fetches (serialized per mirror); `force` ignores refreshMs. */
  #refresh(force: boolean): Promise<void> {
    const run = async (): Promise<void> => {
      if (!force && Date.now() - this.#fetchedAt < this.#s.refreshMs) return;
      const exists = await stat(join(this.#dir, 'HEAD')).then(
        () => true,
        () => false,
      );
      if (!exists) {
        await mkdir(this.#s.dir, { recursive: true });
        await rm(this.#dir, { recursive: true, force: true });
        await this.#git(['init', '--bare', '--quiet', this.#dir], 'init', undefined, false);
        await this.#git(['remote', 'add', '--mirror=fetch', 'origin', this.url], 'add remote');
      }
      await this.#git(['fetch', '--prune', '--quiet', '--tags', 'origin'], 'fetch');
      // HEAD follows the remote's default branch.
      const remoteHead = await this.#git(
        ['ls-remote', '--symref', 'origin', 'HEAD'],
        'ls-remote',
      ).then(
        (b) => /^ref: refs\/heads\/(\S+)\s+HEAD/m.exec(b.toString('utf8'))?.[1],
        () => undefined,
      );
      if (remoteHead)
        await this.#git(['symbolic-ref', 'HEAD', `refs/heads/${remoteHead}`], 'set HEAD');
      this.#fetchedAt = Date.now();
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #git(args: string[], what: string, outFile?: string, inRepo = true): Promise<Buffer> {
    const config: Array<[string, string]> = [
      ['core.askPass', ''],
      ['credential.helper', ''],
      ['protocol.file.allow', 'never'],
    ];
    const origin = new URL(this.url).origin;
    if (this.#authorization)
      config.push([`http.${origin}/.extraHeader`, `Authorization: ${this.#authorization}`]);
    const remote = new URL(this.url);
    const proxy = remote.protocol === 'https:' ? this.#s.proxy?.https : this.#s.proxy?.http;
    if (proxy && !bypassesProxy(remote.hostname, this.#s.noProxy ?? [])) {
      config.push(['http.proxy', proxy]);
    }
    if (this.#s.caFile) config.push(['http.sslCAInfo', this.#s.caFile]);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      HOME: this.#s.dir,
      GIT_TERMINAL_PROMPT: '0',
      // Only http(s) transports, for the remote and for every redirect or submodule it names:
      // never ext::, file://, ssh or git://.
      GIT_ALLOW_PROTOCOL: 'http:https',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_COUNT: String(config.length),
      LC_ALL: 'C',
    };
    config.forEach(([k, v], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = k;
      env[`GIT_CONFIG_VALUE_${i}`] = v;
    });
    const secrets = this.#authorization
      ? [this.#authorization, this.#authorization.split(' ').pop() ?? '']
      : [];
    return new Promise((resolve, reject) => {
      const child = spawn('git', inRepo ? ['--git-dir', this.#dir, ...args] : args, {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let err = '';
      let sink: Promise<void> = Promise.resolve();
      if (outFile) {
        // Attach the reader at once: Node discards unread stdio output when the child exits.
        const file = createWriteStream(outFile, { flags: 'wx' });
        sink = pipeline(child.stdout, file);
      } else child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4096)));
      const timer = setTimeout(() => child.kill('SIGKILL'), this.#s.timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(gitError(what, e.message, secrets));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        void sink.then(
          () => {
            if (code === 0) return resolve(Buffer.concat(out));
            if (outFile) void rm(outFile, { force: true });
            reject(gitError(what, signal ? `killed by ${signal} (timeout)` : err, secrets));
          },
          (e: Error) => reject(gitError(what, e.message, secrets)),
        );
      });
    });
  }
}
