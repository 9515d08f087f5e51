// The cache resources behind a Cargo sparse registry mirror. `config.json` is kept as the
// registry sent it (`config-raw`) and given to clients with `dl` pointing at Trove, every
// other field kept (`config/`, per public base). Index files (`index/`) revalidate and keep the
// registry's bytes. Crates (`crate/`) are immutable, fetched from where the registry's own `dl`
// says, and verified against the index line's `cksum` before they are kept.
import type { Transform } from '../../derive/derived-origin.js';
import { baseKeys, derivedResource, ParsedDocs } from '../../derive/variants.js';
import type { Policy, Prepared, Resource } from '../../engine/types.js';
import { TroveError, toTroveError } from '../../errors.js';
import { directoryBase, upstreamChosen } from '../../upstream/upstream-url.js';
import type { Origin } from '../../upstream/upstream-pool.js';
import type { InstanceContext } from '../ecosystem.js';
import { freshness } from '../common/policy.js';
import { encodeSegment } from '../common/url.js';
import { hostOrigins, type HostOrigins } from '../common/host-origins.js';
import type { CargoConfig } from './cargo-config.js';
import { indexPath } from './crate-name.js';
import { downloadUrl } from './download-url.js';
import { checkIndexFile, indexLines } from './index-file.js';

/** Version of the derivations: bump when their output changes, so old entries are remade. */
const DERIVED = 'v1';

function refuse(why: string): TroveError {
  return new TroveError('TROVE_ERR_UPSTREAM_BODY', `upstream config.json refused: ${why}`);
}

function parseConfig(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw refuse('not JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw refuse('not a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o['dl'] !== 'string') throw refuse('no "dl"');
  return o;
}

/**
 * The registry's config.json with `dl` pointing at Trove (cargo appends /{crate}/{version}/download),
 * and `auth-required` when Trove itself asks clients for a token (RFC 3139: cargo then sends its
 * token on every request to this registry).
 */
function clientConfig(base: string, auth: boolean): (emit: (b: Buffer) => void) => Transform {
  return (emit) => {
    const parts: Buffer[] = [];
    return {
      write: (chunk) => parts.push(chunk),
      end() {
        const cfg = parseConfig(Buffer.concat(parts).toString('utf8'));
        const out = {
          ...cfg,
          dl: `${base}/api/v1/crates`,
          ...(auth ? { 'auth-required': true } : {}),
        };
        emit(Buffer.from(`${JSON.stringify(out, null, 2)}\n`));
      },
    };
  };
}

export class CargoResources {
  readonly #cfg: CargoConfig;
  readonly #ctx: InstanceContext;
  readonly #base: URL;
  readonly #hosts: HostOrigins;
  readonly #configs = new ParsedDocs<Record<string, unknown>>(4);
  readonly #baseKey = baseKeys();
  readonly origin: Origin;

  constructor(cfg: CargoConfig, ctx: InstanceContext) {
    this.#cfg = cfg;
    this.#ctx = ctx;
    this.origin = ctx.upstream(cfg.upstreams);
    this.#base = directoryBase((cfg.upstreams[0] as { url: string }).url);
    this.#hosts = hostOrigins(ctx, cfg.upstreams);
  }

  #policy(over: Partial<Policy>): Policy {
    return freshness(this.#cfg, { negativeTtl: this.#cfg.negative_ttl, ...over });
  }

  /** The client's own token, sent upstream in passthrough mode. */
  #as(client: string | undefined): Pick<Resource, 'upstreamHeaders'> {
    return client ? { upstreamHeaders: { authorization: client } } : {};
  }

  #rawConfig(client?: string): Resource {
    return {
      ...this.#as(client),
      key: 'config-raw',
      class: 'metadata',
      policy: this.#policy({ busy: 'wait', negativeTtl: 0 }),
      upstreamPath: 'config.json',
      keepHeaders: ['content-type', 'last-modified'],
      verify: async (body) => void parseConfig((await body.read(0, body.size)).toString('utf8')),
      maxSize: 1024 * 1024,
    };
  }

  /** config.json as clients get it, for one public base. */
  config(base: string, client?: string): Resource {
    const raw = this.#rawConfig(client);
    const auth = this.#ctx.authRequired;
    return derivedResource(
      `config/${this.#baseKey(base)}${auth ? '+auth' : ''}`,
      this.#policy({ negativeTtl: 0 }),
      () => ({
        open: () => this.#ctx.open(raw),
        tag: `cargo-config-${DERIVED}`,
        contentType: 'application/json',
        transform: clientConfig(base, auth),
      }),
    );
  }

  /** A crate's index file, as the registry sent it; `current` asks the registry first. */
  index(crate: string, current = false, client?: string): Resource {
    return {
      ...this.#as(client),
      key: `index/${crate.toLowerCase()}`,
      class: 'metadata',
      policy: this.#policy(current ? { freshFor: 0, busy: 'wait' } : {}),
      upstreamPath: indexPath(crate).split('/').map(encodeSegment).join('/'),
      keepHeaders: ['content-type', 'last-modified'],
      verify: (body) => checkIndexFile(body, crate),
      maxSize: this.#cfg.max_index_size,
    };
  }

  download(crate: string, version: string, client?: string): Resource {
    return {
      key: `crate/${crate.toLowerCase()}/${version}`,
      class: 'artifact',
      policy: this.#policy({ mode: 'immutable' }),
      upstreamPath: '',
      keepHeaders: [],
      fixedHeaders: { 'content-type': 'application/octet-stream' },
      maxSize: this.#cfg.max_crate_size,
      holdUntilVerified: true,
      prepare: () => this.#prepareDownload(crate, version, client),
    };
  }

  async #line(crate: string, version: string, current: boolean, client: string | undefined) {
    const loaded = await this.#ctx.load(this.index(crate, current, client));
    if (loaded.kind === 'negative') return undefined;
    return indexLines(loaded.body.toString('utf8'), crate).find((l) => l.vers === version);
  }

  async #prepareDownload(crate: string, version: string, client?: string): Promise<Prepared> {
    // Published since the cached index file was fetched: ask the registry once more.
    const line =
      (await this.#line(crate, version, false, client)) ??
      (await this.#line(crate, version, true, client));
    if (!line) {
      throw new TroveError(
        'TROVE_ERR_NOT_FOUND',
        `${crate} ${version} is not in the registry's index`,
      );
    }
    if (!/^[0-9a-f]{64}$/.test(line.cksum)) {
      throw new TroveError(
        'TROVE_ERR_VERIFY',
        `the index gives no sha256 cksum for ${crate} ${version}, so it cannot be verified`,
      );
    }
    const loaded = await this.#ctx.load(this.#rawConfig(client));
    const cfg = this.#configs.parse('config', loaded);
    if (!cfg) throw new TroveError('TROVE_ERR_UPSTREAM_STATUS', 'the registry has no config.json');
    let u: URL;
    try {
      const to = downloadUrl(cfg['dl'] as string, line.name, line.vers, line.cksum);
      u = upstreamChosen(to, new URL('config.json', this.#base), 'download URL');
    } catch (err) {
      // The registry's own configuration is at fault: a 502, not a retried 503.
      throw new TroveError('TROVE_ERR_UPSTREAM_BODY', toTroveError(err).message);
    }
    const own = this.#hosts.own(u.origin);
    return {
      origin: this.#hosts.at(u.origin),
      upstreamPath: u.href.slice(u.origin.length + 1),
      // A client's token goes to the registry's own host only, never to a download host.
      upstreamHeaders: own && client ? { authorization: client } : {},
      expect: { digests: [{ algorithm: 'sha256', hex: line.cksum }] },
    };
  }

  /** Whether the registry accepts `client`'s token: its status for config.json. */
  async probe(client: string): Promise<number> {
    const r = await this.origin.fetch('config.json', { headers: { authorization: client } });
    r.body.resume();
    return r.status;
  }
}
