// The cache resources behind a PyPI instance. A project's index page is kept once as its index
// sent it (`raw/`, HTML or JSON, checked before it is kept); what clients get is made from it
// once per upstream version (`page/`: HTML or JSON, file links relative to the page, so one
// copy serves every public base), and so is the list of its files with their hashes
// (`list/`). Files (`file/`) and their core metadata (`meta/`) are immutable and verified on
// ingest against that list; a file's path carries the sha256 the page gave, so a file changed
// upstream under the same name is a new entry, never a mix-up.
import picomatch from 'picomatch';
import { baseKeys, derivedResource, gzipVariant, ParsedDocs } from '../../derive/variants.js';
import type { Opened } from '../../engine/engine.js';
import type {
  DigestAlgorithm,
  ExpectedDigest,
  Policy,
  Prepared,
  Resource,
} from '../../engine/types.js';
import { TroveError, toTroveError } from '../../errors.js';
import type { UpstreamEntry } from '../../config/types.js';
import { directoryBase, upstreamChosen } from '../../upstream/upstream-url.js';
import type { Origin } from '../../upstream/upstream-pool.js';
import type { InstanceContext } from '../ecosystem.js';
import { freshness } from '../common/policy.js';
import { hostOrigins, type HostOrigins } from '../common/host-origins.js';
import { checkApi, rewriteApi } from './json-api.js';
import type { PypiConfig } from './pypi-config.js';
import { NO_HASH } from './pypi-request.js';
import type { PageKind } from './simple-html.js';
import type { IndexFile } from './simple-model.js';
import { checkPage, fileList, renderPage, type FileList, type PageFormat } from './simple-page.js';

/** The media types of the simple API (PEP 691) and how each is made. */
export const MEDIA = {
  'text/html': { format: 'html', type: 'text/html; charset=utf-8', id: 'html' },
  'application/vnd.pypi.simple.v1+html': {
    format: 'html',
    type: 'application/vnd.pypi.simple.v1+html',
    id: 'v1html',
  },
  'application/vnd.pypi.simple.latest+html': {
    format: 'html',
    type: 'application/vnd.pypi.simple.v1+html',
    id: 'v1html',
  },
  'application/vnd.pypi.simple.v1+json': {
    format: 'json',
    type: 'application/vnd.pypi.simple.v1+json',
    id: 'v1json',
  },
  'application/vnd.pypi.simple.latest+json': {
    format: 'json',
    type: 'application/vnd.pypi.simple.v1+json',
    id: 'v1json',
  },
} as const satisfies Record<string, { format: PageFormat; type: string; id: string }>;
export type Media = (typeof MEDIA)[keyof typeof MEDIA];

/** What Trove asks an index for: JSON first (it carries PEP 700's sizes and dates). */
const ASK =
  'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1';
/** How long the raw page counts as current for what is made from it. */
const RAW_FRESH = 10_000;
/** Version of the derivations: bump when their output changes, so old entries are remade. */
const DERIVED = 'v1';
const ALGORITHMS = new Set<DigestAlgorithm>(['sha256', 'sha512', 'sha1', 'md5']);

interface Index {
  /** An id for keys: the position in the config (0 is `upstreams`, then each `extra`). */
  id: number;
  origin: Origin;
  /** The first index URL (directory form), which relative links are resolved against. */
  base: string;
  /** The JSON API next to it (`…/simple/` -> `…/pypi/`), when the URL says where. */
  api: Origin | null;
  test: (project: string) => boolean;
  /** Its projects' pages also list the default index's files (`merge: true`). */
  merge: boolean;
}

/** The indexes a project's page is made from, in order, and the page URL on each. */
interface Sources {
  indexes: Index[];
  pageUrls: string[];
}

export class PypiResources {
  readonly #cfg: PypiConfig;
  readonly #ctx: InstanceContext;
  readonly #indexes: Index[];
  readonly #lists = new ParsedDocs<FileList>();
  readonly #baseKey = baseKeys();
  /** Files an index keeps on its own host get its credentials; other hosts none. */
  readonly #hosts: HostOrigins;

  constructor(cfg: PypiConfig, ctx: InstanceContext) {
    this.#cfg = cfg;
    this.#ctx = ctx;
    const index = (
      id: number,
      entries: UpstreamEntry[],
      projects: string[] | null,
      merge = false,
    ): Index => {
      const base = directoryBase((entries[0] as UpstreamEntry).url).href;
      const apiEntries = entries.flatMap((e) => {
        const u = directoryBase(e.url);
        if (!u.pathname.endsWith('/simple/')) return [];
        u.pathname = `${u.pathname.slice(0, -'simple/'.length)}pypi/`;
        return [{ ...e, url: u.href }];
      });
      return {
        id,
        origin: ctx.upstream(entries),
        base,
        api: apiEntries.length > 0 ? ctx.upstream(apiEntries) : null,
        test: projects ? picomatch(projects, { dot: true }) : () => true,
        merge,
      };
    };
    // Extras first: a project they name never reaches the default index.
    this.#indexes = [
      ...cfg.extra.map((x, i) => index(i + 1, x.upstreams, x.projects, x.merge)),
      index(0, cfg.upstreams, null),
    ];
    this.#hosts = hostOrigins(ctx, [...cfg.extra.flatMap((x) => x.upstreams), ...cfg.upstreams]);
  }

  get defaultOrigin(): Origin {
    return (this.#indexes.at(-1) as Index).origin;
  }

  #indexFor(project: string): Index {
    return this.#indexes.find((x) => x.test(project)) as Index;
  }

  /** The root list comes from the default index; a project from its own, maybe merged. */
  #sources(project: string | null): Sources {
    const def = this.#indexes.at(-1) as Index;
    const first = project === null ? def : this.#indexFor(project);
    const indexes = first.merge && first !== def ? [first, def] : [first];
    const path = project === null ? '' : `${project}/`;
    return { indexes, pageUrls: indexes.map((x) => new URL(path, x.base).href) };
  }

  /** Opens a project's upstream page(s) through the cache. */
  #open(project: string | null, current: boolean, src: Sources): Promise<Opened | Opened[]> {
    const open = (x: Index) => this.#ctx.open(this.raw(project, current, x));
    const [only] = src.indexes;
    return src.indexes.length === 1 && only ? open(only) : openAll(src.indexes.map(open));
  }

  /** What an index sent, as what clients get is made from it: current within RAW_FRESH. */
  #rawPolicy(current: boolean): Policy {
    return this.#policy({
      freshFor: current ? 0 : RAW_FRESH,
      busy: 'wait',
      negativeTtl: this.#cfg.negative_ttl,
    });
  }

  #policy(over: Partial<Policy>): Policy {
    return freshness(this.#cfg, over);
  }

  /** A page as one index sent it; `project` null is the root list. */
  raw(project: string | null, current: boolean, x: Index): Resource {
    const kind: PageKind = project === null ? 'root' : 'project';
    const path = project === null ? '' : `${project}/`;
    return {
      key: project === null ? 'raw-root' : `raw/${project}/${x.id}`,
      class: 'metadata',
      policy: this.#rawPolicy(current),
      origin: x.origin,
      upstreamPath: path,
      upstreamHeaders: { accept: ASK },
      keepHeaders: ['content-type', 'last-modified'],
      verify: (body) => checkPage(body, kind, new URL(path, x.base).href),
      maxSize: this.#cfg.max_page_size,
    };
  }

  /** The page clients get, in one media type; `current` asks the upstream first. */
  page(project: string | null, media: Media, gzip: boolean, current: boolean): Resource {
    const plain = this.#page(project, media, current);
    if (!gzip) return plain;
    return gzipVariant(plain, () => this.#ctx.open(plain), `pypi-gz-${DERIVED}`, media.type);
  }

  #page(project: string | null, media: Media, current: boolean): Resource {
    const kind: PageKind = project === null ? 'root' : 'project';
    const src = this.#sources(project);
    const open = () => this.#open(project, current, src);
    // Relative to the page (`<mount>/simple/<project>/`), so the page fits every public base.
    const link = (f: IndexFile): string =>
      `../../files/${project ?? ''}/${f.json.hashes['sha256'] ?? NO_HASH}/${encodeURIComponent(f.filename)}`;
    const key = `page/${project ?? '-root'}/${media.id}`;
    return derivedResource(key, this.#policy(current ? { freshFor: 0 } : {}), () => ({
      open,
      skipMissing: true,
      tag: `pypi-${media.id}-${DERIVED}`,
      contentType: media.type,
      transform: renderPage(kind, project, media.format, src.pageUrls, link),
    }));
  }

  /** The files a project's page lists; `current` asks the upstream again first. */
  async files(project: string, current: boolean): Promise<FileList | null> {
    const src = this.#sources(project);
    const policy = this.#policy({ freshFor: current ? 0 : this.#cfg.fresh_for, busy: 'wait' });
    const list = derivedResource(
      `list/${project}`,
      policy,
      () => ({
        open: () => this.#open(project, current, src),
        skipMissing: true,
        tag: `pypi-list-${src.indexes.map((x) => x.id).join('+')}-${DERIVED}`,
        contentType: 'application/json',
        transform: fileList(src.pageUrls),
      }),
      ['etag'],
    );
    const loaded = await this.#ctx.load(list);
    return this.#lists.parse(project, loaded);
  }

  /** A distribution file, or its core metadata (PEP 658) when `metadata` is set. */
  file(project: string, sha256: string, filename: string, metadata: boolean): Resource {
    return {
      key: `${metadata ? 'meta' : 'file'}/${project}/${sha256}/${filename}`,
      class: metadata ? 'metadata' : 'artifact',
      policy: this.#policy({ mode: 'immutable', negativeTtl: this.#cfg.negative_ttl }),
      upstreamPath: '',
      keepHeaders: [],
      fixedHeaders: {
        'content-type': metadata ? 'text/plain; charset=utf-8' : 'application/octet-stream',
      },
      maxSize: metadata ? this.#cfg.max_page_size : this.#cfg.max_file_size,
      holdUntilVerified: true,
      prepare: () => this.#prepareFile(project, sha256, filename, metadata),
    };
  }

  async #prepareFile(
    project: string,
    sha256: string,
    filename: string,
    metadata: boolean,
  ): Promise<Prepared> {
    const matches = (list: FileList | null) => {
      const e = list?.[filename];
      return e && (sha256 === NO_HASH || e.hashes['sha256'] === sha256) ? e : undefined;
    };
    // Not in the cached page (published since, or replaced): ask the index once more.
    const entry =
      matches(await this.files(project, false)) ?? matches(await this.files(project, true));
    if (!entry) {
      throw new TroveError(
        'TROVE_ERR_NOT_FOUND',
        `${filename} is not a file of ${project}` +
          (sha256 === NO_HASH ? '' : ` with sha256 ${sha256}`) +
          ' (its index page does not list it)',
      );
    }
    if (metadata && entry.metadata === undefined) {
      throw new TroveError(
        'TROVE_ERR_NOT_FOUND',
        `the index offers no core metadata for ${filename}`,
      );
    }
    const hashes = metadata
      ? entry.metadata === true
        ? {}
        : (entry.metadata ?? {})
      : entry.hashes;
    const digests: ExpectedDigest[] = [];
    for (const [algorithm, hex] of Object.entries(hashes)) {
      if (ALGORITHMS.has(algorithm as DigestAlgorithm) && /^[0-9a-f]+$/.test(hex)) {
        digests.push({ algorithm: algorithm as DigestAlgorithm, hex });
      }
    }
    const where = this.#where(project, metadata ? `${entry.url}.metadata` : entry.url);
    return digests.length > 0 ? { ...where, expect: { digests } } : where;
  }

  /** Through the index's own host (with its credentials), or an allowed file host. */
  #where(project: string, url: string): Prepared {
    const x = this.#indexFor(project);
    let u: URL;
    try {
      u = upstreamChosen(url, new URL(x.base), 'file URL');
    } catch (err) {
      // The page's own fault, not an unavailable index: a 502, not a retried 503.
      throw new TroveError('TROVE_ERR_UPSTREAM_BODY', toTroveError(err).message);
    }
    const hosts = this.#cfg.file_hosts;
    if (!this.#hosts.own(u.origin) && !hosts.includes('*') && !hosts.includes(u.origin)) {
      throw new TroveError(
        'TROVE_ERR_UPSTREAM_BODY',
        `the index page of ${project} puts ${u.pathname.split('/').pop() ?? 'a file'} on ` +
          `${u.origin}, which is not an index or an allowed file host: add it to file_hosts`,
      );
    }
    return { origin: this.#hosts.at(u.origin), upstreamPath: u.href.slice(u.origin.length + 1) };
  }

  /** A JSON API document as the index sent it. */
  #apiRaw(project: string, version: string | undefined, current: boolean): Resource {
    const x = this.#indexFor(project);
    if (!x.api) {
      throw new TroveError(
        'TROVE_ERR_NOT_FOUND',
        `the index serving ${project} has no JSON API (its URL does not end in /simple/)`,
      );
    }
    const path = `${project}/${version === undefined ? '' : `${encodeURIComponent(version)}/`}json`;
    return {
      key: `api-raw/${x.id}/${project}/${version ?? ''}`,
      class: 'metadata',
      policy: this.#rawPolicy(current),
      origin: x.api,
      upstreamPath: path,
      upstreamHeaders: { accept: 'application/json' },
      keepHeaders: ['content-type', 'last-modified'],
      verify: checkApi,
      maxSize: this.#cfg.max_page_size,
    };
  }

  /** The JSON API document clients get, file URLs pointing at Trove (absolute, per base). */
  api(project: string, version: string | undefined, base: string, current: boolean): Resource {
    const raw = this.#apiRaw(project, version, current);
    const link = (filename: string, sha: string | undefined): string =>
      `${base}/files/${project}/${sha ?? NO_HASH}/${encodeURIComponent(filename)}`;
    const key = `api/${project}/${version ?? ''}/${this.#baseKey(base)}`;
    return derivedResource(key, this.#policy(current ? { freshFor: 0 } : {}), () => ({
      open: () => this.#ctx.open(raw),
      tag: `pypi-api-${DERIVED}`,
      contentType: 'application/json',
      transform: rewriteApi(link),
    }));
  }
}

/** Every source opened, or none: one failing closes those that opened. */
async function openAll(opening: Array<Promise<Opened>>): Promise<Opened[]> {
  const settled = await Promise.allSettled(opening);
  const failed = settled.find((r) => r.status === 'rejected');
  if (!failed) return settled.map((r) => (r as PromiseFulfilledResult<Opened>).value);
  for (const r of settled)
    if (r.status === 'fulfilled' && r.value.kind === 'body') await r.value.close();
  throw failed.reason;
}
