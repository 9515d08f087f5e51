// Where a module's repository is (go.dev/ref/mod#vcs-find): configured `direct.repos` rules
// first (private hosts, with credentials), then well-known hosts, then <meta name="go-import">
// discovery with ?go-get=1 over HTTPS (HTTP too only where a rule says `insecure`).
import type { Origin } from '../../../upstream/upstream-pool.js';
import { matchesAny, type PrefixPattern } from '../patterns.js';
import type { Credentials } from './credentials.js';
import { NotFoundError } from './code-repo.js';

export interface RepoRule {
  pattern: PrefixPattern;
  /** Repository URL template: {1}, {2}, … are the path elements after the prefix. */
  url: string | undefined;
  insecure: boolean;
  credentials: Credentials | undefined;
}

export interface RepoLocation {
  /** The module path of the repository root. */
  root: string;
  url: string;
  credentials: Credentials | undefined;
}

export type HttpOrigin = (baseUrl: string, authorization: string | undefined) => Origin;

/** Hosts whose repository roots are always host/owner/repo over HTTPS git. */
const WELL_KNOWN = new Set(['github.com', 'bitbucket.org']);
const MAX_META_PAGE = 1024 * 1024;
/** How long a go-import answer is reused: every .info/.mod/.zip fill needs the repository. */
const DISCOVERY_TTL = 10 * 60_000;

/** go-import metas: "<root> <vcs> <url>". Attribute order and quotes vary. */
export function parseGoImports(html: string): Array<{ root: string; vcs: string; url: string }> {
  const head = html.split(/<\/head>|<body/i)[0] ?? '';
  const out: Array<{ root: string; vcs: string; url: string }> = [];
  for (const tag of head.match(/<meta\s[^>]*>/gi) ?? []) {
    const attr = (name: string): string | undefined =>
      new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i')
        .exec(tag)
        ?.slice(1)
        .find((v) => v !== undefined);
    if (attr('name') !== 'go-import') continue;
    const [root, vcs, url] = (attr('content') ?? '').trim().split(/\s+/);
    if (root && vcs && url) out.push({ root, vcs, url });
  }
  return out;
}

export class RepoResolver {
  readonly #rules: readonly RepoRule[];
  readonly #http: HttpOrigin;
  readonly #discovered = new Map<string, { loc: Promise<RepoLocation>; until: number }>();

  constructor(rules: readonly RepoRule[], http: HttpOrigin) {
    this.#rules = rules;
    this.#http = http;
  }

  /** The rule covering a module, if any (private repositories need one for credentials). */
  ruleFor(modulePath: string): RepoRule | undefined {
    return this.#rules.find((r) => matchesAny([r.pattern], modulePath));
  }

  async locate(modulePath: string): Promise<RepoLocation> {
    const elems = modulePath.split('/');
    const rule = this.ruleFor(modulePath);
    if (rule?.url) {
      const indexes = [...rule.url.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1]));
      const depth = rule.pattern.elements + Math.max(0, ...indexes);
      if (elems.length < depth)
        throw new NotFoundError(`${modulePath}: no repository under ${rule.pattern.source}`);
      const url = rule.url.replace(
        /\{(\d+)\}/g,
        (_m, n: string) => elems[rule.pattern.elements + Number(n) - 1] as string,
      );
      return { root: elems.slice(0, depth).join('/'), url, credentials: rule.credentials };
    }
    const host = elems[0] as string;
    if (!rule && WELL_KNOWN.has(host)) {
      if (elems.length < 3) throw new NotFoundError(`${modulePath}: want ${host}/<owner>/<repo>`);
      return {
        root: elems.slice(0, 3).join('/'),
        url: `https://${elems.slice(0, 3).join('/')}`,
        credentials: undefined,
      };
    }
    const hit = this.#discovered.get(modulePath);
    if (hit && hit.until > Date.now()) return hit.loc;
    const loc = this.#discover(modulePath, rule);
    if (this.#discovered.size > 10_000) this.#discovered.clear();
    this.#discovered.set(modulePath, { loc, until: Date.now() + DISCOVERY_TTL });
    // Failures are not remembered: the next request asks again.
    loc.catch(() => {
      if (this.#discovered.get(modulePath)?.loc === loc) this.#discovered.delete(modulePath);
    });
    return loc;
  }

  async #discover(modulePath: string, rule: RepoRule | undefined): Promise<RepoLocation> {
    const [host, ...rest] = modulePath.split('/');
    const schemes = rule?.insecure ? ['https', 'http'] : ['https'];
    let page = '';
    for (const [i, scheme] of schemes.entries()) {
      const base = `${scheme}://${host}/`;
      try {
        const auth = await rule?.credentials?.header(base);
        const res = await this.#http(base, auth).fetch(`${rest.join('/')}?go-get=1`);
        page = await readLimited(res.body, MAX_META_PAGE);
        break;
      } catch (err) {
        if (i === schemes.length - 1) throw err;
      }
    }
    const metas = parseGoImports(page).filter(
      (m) => modulePath === m.root || modulePath.startsWith(`${m.root}/`),
    );
    if (metas.length === 0)
      throw new NotFoundError(`${modulePath}: unrecognized import path (no go-import meta tag)`);
    if (metas.length > 1) throw new NotFoundError(`${modulePath}: multiple go-import meta tags`);
    const meta = metas[0] as { root: string; vcs: string; url: string };
    if (meta.vcs !== 'git')
      throw new NotFoundError(
        `${modulePath}: ${meta.vcs} repositories are not supported (git only)`,
      );
    if (!/^https?:\/\//.test(meta.url) || (meta.url.startsWith('http:') && !rule?.insecure)) {
      throw new NotFoundError(
        `${modulePath}: repository URL ${meta.url} is not https (set insecure on a direct.repos rule)`,
      );
    }
    return { root: meta.root, url: meta.url, credentials: rule?.credentials };
  }
}

async function readLimited(body: AsyncIterable<unknown>, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    const b = c as Buffer;
    n += b.length;
    if (n > max) break;
    parts.push(b);
  }
  return Buffer.concat(parts).toString('utf8');
}
