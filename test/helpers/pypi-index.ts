// A PyPI-like upstream on loopback: a simple index (PEP 503 HTML and PEP 691 JSON, chosen by
// Accept q-values as PyPI does), the JSON API, and the files with their `.metadata` on a second
// server, as PyPI keeps them on another host. Pages list files by absolute URL with
// `#sha256=`, `data-requires-python`, `data-yanked` and both core-metadata attributes.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { negotiate } from '../../src/ecosystems/common/accept.js';
import { FakeUpstream } from './fake-server.js';
import type { Dist } from './pypi-dists.js';

export type Forms = 'both' | 'html' | 'json';

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
const HTML_TYPE = 'application/vnd.pypi.simple.v1+html';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const norm = (s: string): string => s.replace(/[-_.]+/g, '-').toLowerCase();
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export class PypiIndex {
  readonly index = new FakeUpstream();
  readonly files = new FakeUpstream();
  /** Project -> its files, in publication order. */
  readonly projects = new Map<string, Dist[]>();
  /** Bytes served instead of a file's own (a tampered upload). */
  readonly swapped = new Map<string, Buffer>();
  forms: Forms;

  constructor(dists: Dist[], forms: Forms = 'both') {
    this.forms = forms;
    for (const d of dists) this.add(d);
  }

  static async start(dists: Dist[], forms: Forms = 'both'): Promise<PypiIndex> {
    const x = new PypiIndex(dists, forms);
    await x.index.start();
    await x.files.start();
    x.#route();
    return x;
  }

  /** The index URL, as pip's --index-url takes it. */
  get url(): string {
    return `${this.index.url}/simple/`;
  }

  add(d: Dist): void {
    const key = norm(d.project);
    const list = this.projects.get(key) ?? [];
    list.push(d);
    this.projects.set(key, list);
  }

  fileUrl(d: Dist): string {
    return `${this.files.url}/packages/${d.sha256.slice(0, 2)}/${d.sha256.slice(2, 4)}/${d.sha256}/${d.filename}`;
  }

  /** Requests the index server got for a path, with their headers. */
  requestsFor(path: string): IncomingMessage[] {
    return this.index.requests.filter((r) => (r.url ?? '').split('?')[0] === path);
  }

  async stop(): Promise<void> {
    await this.index.stop();
    await this.files.stop();
  }

  #route(): void {
    this.index.routes.clear();
    const page = (req: IncomingMessage, res: ServerResponse): void => this.#page(req, res);
    this.index.route('/simple/', page);
    const project = (req: IncomingMessage, res: ServerResponse): void => this.#page(req, res);
    // Routes are exact paths: one per project and per JSON API document.
    const refresh = (): void => {
      for (const [p, dists] of this.projects) {
        this.index.route(`/simple/${p}/`, project);
        this.index.route(`/pypi/${p}/json`, (_q, res) => this.#api(res, p, dists));
      }
      for (const d of [...this.projects.values()].flat()) {
        const path = new URL(this.fileUrl(d)).pathname;
        this.files.route(path, (_q, res) =>
          this.#bytes(res, this.swapped.get(d.filename) ?? d.data),
        );
        if (d.metadata) {
          const m = d.metadata;
          this.files.route(`${path}.metadata`, (_q, res) => this.#bytes(res, m));
        }
      }
    };
    refresh();
    this.refresh = refresh;
  }

  /** Re-reads `projects` into routes (after `add`). */
  refresh: () => void = () => undefined;

  #bytes(res: ServerResponse, b: Buffer): void {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': b.length });
    res.end(b);
  }

  #page(req: IncomingMessage, res: ServerResponse): void {
    const offers =
      this.forms === 'json'
        ? [JSON_TYPE]
        : this.forms === 'html'
          ? ['text/html']
          : ['text/html', HTML_TYPE, JSON_TYPE];
    const chosen = negotiate(req.headers.accept, offers);
    if (chosen === null) {
      res.writeHead(406).end();
      return;
    }
    const path = (req.url ?? '').split('?')[0] as string;
    const name = path.split('/')[2] ?? '';
    const json = chosen === JSON_TYPE;
    const body = name === '' ? this.#root(json) : this.#project(name, json);
    res.writeHead(200, {
      'content-type': chosen,
      vary: 'Accept',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  #root(json: boolean): string {
    const names = [...this.projects.keys()];
    if (json) {
      return JSON.stringify({
        meta: { 'api-version': '1.1', '_last-serial': 7 },
        projects: names.map((name) => ({ name, '_last-serial': 3 })),
      });
    }
    const links = names.map((n) => `    <a href="/simple/${n}/">${n}</a>\n`).join('');
    return `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Simple index</title>\n  </head>\n  <body>\n${links}  </body>\n</html>\n`;
  }

  #project(name: string, json: boolean): string {
    const dists = this.projects.get(name) ?? [];
    if (json) {
      const files = dists.map((d) => ({
        filename: d.filename,
        url: this.fileUrl(d),
        hashes: { sha256: d.sha256 },
        'requires-python': d.requiresPython ?? null,
        ...(d.metadata
          ? {
              'core-metadata': { sha256: sha(d.metadata) },
              'data-dist-info-metadata': { sha256: sha(d.metadata) },
            }
          : { 'core-metadata': false, 'data-dist-info-metadata': false }),
        'gpg-sig': false,
        yanked: d.yanked ?? false,
        size: d.data.length,
        'upload-time': d.uploadTime,
        provenance: null,
      }));
      const versions = [...new Set(dists.map((d) => d.version))];
      return JSON.stringify({
        files,
        meta: { '_last-serial': 42, 'api-version': '1.1' },
        name,
        versions,
      });
    }
    const links = dists
      .map((d) => {
        let a = `<a href="${esc(this.fileUrl(d))}#sha256=${d.sha256}"`;
        if (d.requiresPython) a += ` data-requires-python="${esc(d.requiresPython)}"`;
        if (d.metadata) {
          const m = `sha256=${sha(d.metadata)}`;
          a += ` data-dist-info-metadata="${m}" data-core-metadata="${m}"`;
        }
        if (d.yanked !== undefined && d.yanked !== false) {
          a += d.yanked === true ? ' data-yanked=""' : ` data-yanked="${esc(d.yanked)}"`;
        }
        return `    ${a}>${esc(d.filename)}</a><br />\n`;
      })
      .join('');
    return `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Links for ${name}</title>\n  </head>\n  <body>\n    <h1>Links for ${name}</h1>\n${links}  </body>\n</html>\n<!--SERIAL 42-->\n`;
  }

  #api(res: ServerResponse, name: string, dists: Dist[]): void {
    const entry = (d: Dist) => ({
      filename: d.filename,
      url: this.fileUrl(d),
      digests: { sha256: d.sha256, md5: createHash('md5').update(d.data).digest('hex') },
      size: d.data.length,
      upload_time_iso_8601: d.uploadTime,
      yanked: d.yanked !== undefined && d.yanked !== false,
    });
    const releases: Record<string, unknown[]> = {};
    for (const d of dists) (releases[d.version] ??= []).push(entry(d));
    const latest = dists.at(-1)?.version ?? '';
    const body = JSON.stringify({
      info: { name, version: latest, summary: `${name} for Trove's tests` },
      last_serial: 42,
      releases,
      urls: dists.filter((d) => d.version === latest).map(entry),
      vulnerabilities: [],
    });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }
}

/** The environment of a pip that reads none of this machine's pip settings. */
export function isolatedPipEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    PIP_CONFIG_FILE: '/dev/null',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    PIP_ROOT_USER_ACTION: 'ignore',
  };
}
