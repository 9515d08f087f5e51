// A Maven repository on loopback: fixture artifacts (jars written with yazl, POMs with their
// dependencies, maven-metadata.xml, `.sha1`/`.md5` sidecars) in memory, and, behind them,
// this machine's ~/.m2/repository, whose files get sidecars computed on request as Central
// has them (so mvn's own plugins resolve through a mirror). No vitest imports.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { homedir } from 'node:os';
import { join, normalize } from 'node:path';
import { zipOf } from './zip.js';
import { FakeUpstream } from './fake-server.js';

export const M2 = join(homedir(), '.m2', 'repository');

export interface Gav {
  group: string;
  artifact: string;
  version: string;
}

const hex = (alg: string, b: Buffer): string => createHash(alg).update(b).digest('hex');
const dir = (g: Gav): string => `${g.group.replace(/\./g, '/')}/${g.artifact}/${g.version}`;

function jar(g: Gav, stamp: string): Promise<Buffer> {
  return zipOf([
    ['META-INF/MANIFEST.MF', Buffer.from('Manifest-Version: 1.0\r\n\r\n')],
    [`${g.artifact}.txt`, Buffer.from(`${g.group}:${g.artifact}:${g.version} ${stamp}\n`)],
  ]);
}

function pom(g: Gav, deps: Gav[]): Buffer {
  const d = deps
    .map(
      (x) =>
        `    <dependency><groupId>${x.group}</groupId><artifactId>${x.artifact}</artifactId><version>${x.version}</version></dependency>\n`,
    )
    .join('');
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">\n` +
      `  <modelVersion>4.0.0</modelVersion>\n  <groupId>${g.group}</groupId>\n` +
      `  <artifactId>${g.artifact}</artifactId>\n  <version>${g.version}</version>\n` +
      `  <dependencies>\n${d}  </dependencies>\n</project>\n`,
  );
}

export class MavenRepo {
  readonly server = new FakeUpstream();
  /** Repository path (no leading slash) -> bytes. */
  readonly files = new Map<string, Buffer>();
  /** Whether ~/.m2/repository backs the fixtures. */
  readonly m2: boolean;
  /** Paths whose sidecars the repository lacks. */
  readonly noSidecars = new Set<string>();
  /** Bytes served instead of a file's own, its sidecars unchanged (a tampered upload). */
  readonly swapped = new Map<string, Buffer>();
  /** Every request path, in order. */
  readonly requested: string[] = [];

  constructor(m2: boolean) {
    this.m2 = m2;
    this.server.routes.clear();
  }

  static async start(m2 = false): Promise<MavenRepo> {
    const r = new MavenRepo(m2);
    r.server.server.removeAllListeners('request');
    r.server.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      r.requested.push(req.url ?? '');
      r.#serve(req, res);
    });
    await r.server.start();
    return r;
  }

  get url(): string {
    return `${this.server.url}/`;
  }

  /** Adds a jar and its POM (with sidecars) and the artifact-level maven-metadata.xml. */
  async publish(g: Gav, deps: Gav[] = [], stamp = ''): Promise<{ jar: string; pom: string }> {
    const base = `${dir(g)}/${g.artifact}-${g.version}`;
    this.put(`${base}.jar`, await jar(g, stamp));
    this.put(`${base}.pom`, pom(g, deps));
    const versions = new Set<string>();
    const prefix = `${g.group.replace(/\./g, '/')}/${g.artifact}/`;
    for (const p of this.files.keys()) {
      if (p.startsWith(prefix) && p.endsWith('.pom'))
        versions.add(p.slice(prefix.length).split('/')[0] as string);
    }
    const list = [...versions].map((v) => `      <version>${v}</version>`).join('\n');
    this.put(
      `${prefix}maven-metadata.xml`,
      Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?>\n<metadata>\n  <groupId>${g.group}</groupId>\n` +
          `  <artifactId>${g.artifact}</artifactId>\n  <versioning>\n    <release>${g.version}</release>\n` +
          `    <versions>\n${list}\n    </versions>\n    <lastUpdated>20240102030405</lastUpdated>\n` +
          `  </versioning>\n</metadata>\n`,
      ),
    );
    return { jar: `${base}.jar`, pom: `${base}.pom` };
  }

  /** A file and its .sha1/.md5 (unless `noSidecars` lists it). */
  put(path: string, data: Buffer): void {
    this.files.set(path, data);
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  #bytes(path: string): Buffer | null {
    const own = this.files.get(path);
    if (own) return own;
    if (!this.m2) return null;
    const full = normalize(join(M2, path));
    if (!full.startsWith(`${M2}/`) || !existsSync(full) || !statSync(full).isFile()) return null;
    return readFileSync(full);
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] as string).replace(/^\/+/, '');
    this.server.requests.push(req);
    this.server.hits.set(`/${path}`, (this.server.hits.get(`/${path}`) ?? 0) + 1);
    let body = this.swapped.get(path) ?? this.#bytes(path);
    const sum = /\.(sha1|md5)$/.exec(path);
    if (!body && sum) {
      const of = path.slice(0, -sum[0].length);
      const data = this.noSidecars.has(of) ? null : this.#bytes(of);
      if (data) body = Buffer.from(hex(sum[1] as string, data));
    }
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

/** Plugin versions whose whole dependency trees the machine's ~/.m2 holds. */
const PLUGINS =
  '<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>' +
  '<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.11.0</version></plugin>';

/** Whether mvn runs and ~/.m2 holds the plugins the test projects build with. */
export function mavenAvailable(): boolean {
  return (
    spawnSync('mvn', ['-v']).status === 0 &&
    existsSync(join(M2, 'org/apache/maven/plugins/maven-compiler-plugin/3.11.0'))
  );
}

/** A project `app-<n>` in `dir` that compiles one class against `dep`; `extra` goes in <project>. */
export function mavenProject(dir: string, n: number, dep: Gav, extra = ''): void {
  mkdirSync(join(dir, 'src/main/java/app'), { recursive: true });
  writeFileSync(join(dir, 'src/main/java/app/Main.java'), 'package app; public class Main {}\n');
  writeFileSync(
    join(dir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>` +
      `<groupId>test</groupId><artifactId>app-${n}</artifactId><version>1</version>` +
      `<properties><maven.compiler.release>17</maven.compiler.release></properties>` +
      `<dependencies><dependency><groupId>${dep.group}</groupId><artifactId>${dep.artifact}</artifactId>` +
      `<version>${dep.version}</version></dependency></dependencies>` +
      extra +
      `<build><plugins>${PLUGINS}</plugins></build></project>\n`,
  );
}
