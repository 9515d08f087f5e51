// OCI fixtures: image layouts written by hand (blobs, manifests, an index) or built with umoci,
// pushed with skopeo into a real docker-registry (CNCF distribution 2.8) on loopback.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { freePort, until } from './fake-upstream.js';
import { runCommand } from './run.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export interface Blob {
  digest: string;
  size: number;
}

/** An OCI image layout under construction. */
export class Layout {
  readonly dir: string;
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'trove-oci-'));
    mkdirSync(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(this.dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(this.dir, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
  }

  /**
   * An image built by umoci: a layer per file (a Buffer, or that many random bytes), for one
   * platform. Returns its manifest's descriptor.
   */
  umoci(tag: string, files: Array<[string, Buffer | number]>, arch = 'amd64'): Blob {
    const ref = `${this.dir}:${tag}`;
    const umoci = (...args: string[]) => execFileSync('umoci', args, { stdio: 'pipe' });
    umoci('new', '--image', ref);
    const src = mkdtempSync(join(tmpdir(), 'trove-umoci-'));
    for (const [name, content] of files) {
      const file = join(src, name);
      if (typeof content === 'number') {
        const fd = openSync(file, 'w');
        try {
          execFileSync('head', ['-c', String(content), '/dev/urandom'], {
            stdio: ['ignore', fd, 'inherit'],
          });
        } finally {
          closeSync(fd);
        }
      } else writeFileSync(file, content);
      umoci('insert', '--image', ref, file, `/${name}`);
    }
    rmSync(src, { recursive: true, force: true });
    umoci('config', '--image', ref, '--os', 'linux', '--architecture', arch);
    return this.tagged(tag);
  }

  /** The descriptor index.json holds for a tag. */
  tagged(tag: string): Blob {
    const entry = this.#index().manifests.find(
      (m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag,
    );
    if (!entry) throw new Error(`no ${tag} in index.json`);
    return { digest: entry.digest, size: entry.size };
  }

  #index(): { manifests: Array<Blob & { annotations?: Record<string, string> }> } {
    return JSON.parse(readFileSync(join(this.dir, 'index.json'), 'utf8'));
  }

  blob(data: Buffer): Blob {
    const hex = sha(data);
    writeFileSync(join(this.dir, 'blobs', 'sha256', hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  }

  /** A gzipped tar holding one file, and the digest of the uncompressed tar (the diff ID). */
  layer(name: string, content: Buffer): { blob: Blob; diffId: string } {
    const src = mkdtempSync(join(tmpdir(), 'trove-layer-'));
    writeFileSync(join(src, name), content);
    const tar = execFileSync(
      'tar',
      ['-C', src, '--owner=0', '--group=0', '--mtime=@0', '-cf', '-', name],
      { maxBuffer: 1 << 30 },
    );
    return { blob: this.blob(gzipSync(tar, { level: 1 })), diffId: `sha256:${sha(tar)}` };
  }

  /** An image manifest for one platform; returns its descriptor. */
  image(arch: string, layers: Array<{ blob: Blob; diffId: string }>): Blob {
    const config = this.blob(
      Buffer.from(
        JSON.stringify({
          architecture: arch,
          os: 'linux',
          rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
          config: {},
        }),
      ),
    );
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        ...l.blob,
      })),
    };
    return this.blob(Buffer.from(JSON.stringify(manifest)));
  }

  /** Tags a manifest (or an index of several) in index.json. */
  tag(tag: string, entries: Array<{ blob: Blob; arch?: string }>): void {
    let target: Blob;
    let mediaType = 'application/vnd.oci.image.manifest.v1+json';
    if (entries.length === 1 && !entries[0]?.arch) target = entries[0]!.blob;
    else {
      mediaType = 'application/vnd.oci.image.index.v1+json';
      target = this.blob(
        Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType,
            manifests: entries.map((e) => ({
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              ...e.blob,
              platform: { architecture: e.arch, os: 'linux' },
            })),
          }),
        ),
      );
    }
    const manifests = [
      ...this.#index().manifests,
      { mediaType, ...target, annotations: { 'org.opencontainers.image.ref.name': tag } },
    ];
    writeFileSync(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  read(digest: string): Buffer {
    return readFileSync(join(this.dir, 'blobs', 'sha256', digest.slice(7)));
  }
}

export interface Registry {
  url: string;
  host: string;
  child: ChildProcess;
  /** Pushes tags of a layout (all platforms) with skopeo: [layout tag, repo:tag] pairs. */
  push(layout: Layout, pairs: Array<readonly [string, string]>, creds?: string): Promise<void>;
  stop(): Promise<void>;
}

/** docker-registry on 127.0.0.1, optionally behind htpasswd Basic auth. */
export async function startRegistry(htpasswd?: string): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'trove-registry-'));
  const port = await freePort();
  const auth = htpasswd ? `auth:\n  htpasswd:\n    realm: trove-test\n    path: ${htpasswd}\n` : '';
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  );
  const child = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  await until(async () => {
    try {
      const r = await fetch(`${url}/v2/`);
      return r.status === 200 || r.status === 401;
    } catch {
      return false;
    }
  }, 15_000);
  const host = `127.0.0.1:${port}`;
  return {
    url,
    host,
    child,
    async push(layout, pairs, creds) {
      for (const [src, dest] of pairs) {
        const r = await runCommand(
          'skopeo',
          [
            'copy',
            '--all',
            '--dest-tls-verify=false',
            ...(creds ? ['--dest-creds', creds] : []),
            `oci:${layout.dir}:${src}`,
            `docker://${host}/${dest}`,
          ],
          { timeoutMs: 300_000 },
        );
        if (r.code !== 0) throw new Error(`skopeo could not push ${src} to ${dest}: ${r.err}`);
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * skopeo with an auth file of its own (so the machine's logins never mix in), and `digestOf`:
 * `skopeo inspect` of a reference, as exit code, manifest digest and stderr.
 */
export function skopeoWith(authFile: string) {
  const skopeo = (...args: string[]) =>
    runCommand('skopeo', args, { timeoutMs: 120_000, env: { REGISTRY_AUTH_FILE: authFile } });
  const digestOf = async (ref: string, ...flags: string[]) => {
    const r = await skopeo(
      'inspect',
      '--tls-verify=false',
      ...flags,
      '--format',
      '{{.Digest}}',
      `docker://${ref}`,
    );
    return { code: r.code, digest: r.out.trim(), err: r.err };
  };
  return { skopeo, digestOf };
}
