// Maven workloads: a repository on loopback (a generated tree of artifacts in front of this
// machine's ~/.m2/repository, with sidecars as Central has them) is Trove's upstream, and nginx
// serves a static copy of every file mvn asked for.
//   W5-maven: `mvn compile` of a project depending on a 50-artifact tree (plugins included)
//   into an empty local repository, cold and warm
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { dirname, join } from 'node:path';
import { M2, MavenRepo, type Gav } from '../../test/helpers/maven-repo.js';
import { timed } from './proc.js';

export { MavenRepo } from '../../test/helpers/maven-repo.js';

export const ARTIFACTS = 50;
const gav = (i: number): Gav => ({
  group: 'com.bench',
  artifact: `m-${String(i).padStart(2, '0')}`,
  version: '1.0',
});
const PLUGINS =
  '<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>' +
  '<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.11.0</version></plugin>';

export function mavenReady(): boolean {
  return existsSync(join(M2, 'org/apache/maven/plugins/maven-compiler-plugin/3.11.0'));
}

/** A binary tree of artifacts: m-00 depends on m-01 and m-02, and so on. */
export async function mavenTree(repo: MavenRepo): Promise<void> {
  for (let i = ARTIFACTS - 1; i >= 0; i--) {
    const deps = [2 * i + 1, 2 * i + 2].filter((c) => c < ARTIFACTS).map(gav);
    await repo.publish(gav(i), deps);
  }
}

function fetchBytes(url: string): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve(res.statusCode === 200 ? Buffer.concat(parts) : null));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** Copies every file the repository was asked for (that it has) under `root`. */
export async function staticCopy(repo: MavenRepo, root: string): Promise<void> {
  rmSync(root, { recursive: true, force: true });
  const paths = new Set(repo.server.requests.map((r) => (r.url ?? '/').split('?')[0] as string));
  for (const p of paths) {
    const body = await fetchBytes(`${repo.server.url}${p}`);
    if (!body) continue;
    const file = join(root, decodeURIComponent(p));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
  }
}

/** Seconds for `mvn compile` into an empty local repository, everything mirrored to `url`. */
export async function mvnCompile(work: string, url: string, run: number): Promise<number> {
  const dir = join(work, `mvn-${run}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src/main/java/app'), { recursive: true });
  writeFileSync(join(dir, 'src/main/java/app/Main.java'), 'package app; public class Main {}\n');
  const root = gav(0);
  writeFileSync(
    join(dir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>` +
      `<groupId>bench</groupId><artifactId>app</artifactId><version>1</version>` +
      `<properties><maven.compiler.release>17</maven.compiler.release></properties>` +
      `<dependencies><dependency><groupId>${root.group}</groupId><artifactId>${root.artifact}</artifactId>` +
      `<version>${root.version}</version></dependency></dependencies>` +
      `<build><plugins>${PLUGINS}</plugins></build></project>\n`,
  );
  writeFileSync(
    join(dir, 'settings.xml'),
    `<settings><mirrors><mirror><id>m</id><mirrorOf>*</mirrorOf><url>${url}</url></mirror></mirrors></settings>\n`,
  );
  const args = ['-B', '-q', '-s', 'settings.xml', `-Dmaven.repo.local=${join(dir, 'repo')}`];
  try {
    return await timed('mvn', [...args, 'compile'], { cwd: dir, what: 'mvn compile' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
