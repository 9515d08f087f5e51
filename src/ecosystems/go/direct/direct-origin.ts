// `direct`: answers GOPROXY protocol requests from version control, as the go command does
// with GOPROXY=direct, so Trove needs no go binary. It is an Origin like any upstream proxy:
// the engine caches, verifies and single-flights what it returns.
import { Readable } from 'node:stream';
import type { GitRepo } from '../../../vcs/git-repo.js';
import type { FetchInit, Origin, UpstreamResponse } from '../../../upstream/upstream-pool.js';
import { parseUpstreamPath } from '../go-request.js';
import { CodeRepo, NotFoundError } from './code-repo.js';
import { InvalidModuleError } from './module-zip.js';
import type { RepoResolver } from './repo-resolver.js';

export type GitFactory = (url: string, authorization: string | undefined) => GitRepo;

const text = (
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
): Omit<UpstreamResponse, 'upstream'> => {
  const buf = Buffer.from(body);
  return {
    status,
    headers: { 'content-type': type, 'content-length': String(buf.length) },
    body: Readable.from([buf]),
    url: 'direct',
  };
};

export class DirectOrigin implements Origin {
  readonly #resolver: RepoResolver;
  readonly #git: GitFactory;

  constructor(resolver: RepoResolver, git: GitFactory) {
    this.#resolver = resolver;
    this.#git = git;
  }

  async fetch(path: string, _init?: FetchInit): Promise<UpstreamResponse> {
    return { ...(await this.#answer(path)), upstream: 0 };
  }

  async #answer(path: string): Promise<Omit<UpstreamResponse, 'upstream'>> {
    const parsed = parseUpstreamPath(path);
    if (!parsed.ok) return text(parsed.status, parsed.reason);
    const ep = parsed.endpoint;
    if (ep.kind === 'sumdb') return text(404, 'not found: direct has no checksum database');
    try {
      const loc = await this.#resolver.locate(ep.module);
      const auth = await loc.credentials?.header(loc.url);
      const repo = new CodeRepo(this.#git(loc.url, auth), ep.module, loc.root);
      switch (ep.kind) {
        case 'list':
          return text(200, (await repo.versions()).map((v) => `${v}\n`).join(''));
        case 'latest':
          return text(200, JSON.stringify(await repo.latest()), 'application/json');
        case 'info':
          return text(200, JSON.stringify(await repo.info(ep.version)), 'application/json');
        case 'mod':
          return text(200, (await repo.goMod(ep.version)).toString('utf8'));
        case 'zip':
          return {
            status: 200,
            headers: { 'content-type': 'application/zip' },
            body: await repo.zip(ep.version),
            url: 'direct',
          };
      }
    } catch (err) {
      // "No such module or version" is the protocol's 404; trouble reaching git is not.
      if (err instanceof NotFoundError || err instanceof InvalidModuleError) {
        return text(404, `not found: ${err.message}`);
      }
      throw err;
    }
  }
}
