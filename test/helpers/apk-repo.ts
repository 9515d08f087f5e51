// An Alpine repository on loopback, built as abuild and `apk index` build one: each .apk is a
// signature member, a control member (.PKGINFO with the data's sha256) and a data member,
// concatenated gzip streams; APKINDEX.tar.gz is a signature member and the index member, with
// `C:Q1` = base64(sha1) of each package's control member. Signed with a throwaway RSA key.
// No vitest imports.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { StaticRepo } from './static-repo.js';

export const KEY_NAME = 'trove-test.rsa.pub';

export interface ApkPackage {
  name: string;
  version: string;
  payload?: string;
  /** Bytes of filler in the data part. */
  filler?: number;
}

/** A tar of these files; without end blocks for apk's signature and control segments. */
export async function tarSegment(
  files: Record<string, Buffer | string>,
  end: boolean,
): Promise<Buffer> {
  const p = pack();
  for (const [name, body] of Object.entries(files))
    p.entry({ name, mode: 0o644, mtime: new Date(0) }, body);
  p.finalize();
  const parts: Buffer[] = [];
  for await (const c of p) parts.push(c as Buffer);
  const tar = Buffer.concat(parts);
  return end ? tar : tar.subarray(0, tar.length - 1024);
}

const sha1b64 = (b: Buffer): string => createHash('sha1').update(b).digest('base64');

export class ApkRepo extends StaticRepo {
  readonly key: KeyObject;
  readonly publicKey: KeyObject;
  /** Index records by repository directory (`v3.20/main/x86_64`), by package. */
  readonly #records = new Map<string, Map<string, string>>();

  private constructor(dir: string) {
    super(dir, join(dir, 'alpine'));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.key = privateKey;
    this.publicKey = publicKey;
  }

  static create(): ApkRepo {
    return new ApkRepo(mkdtempSync(join(tmpdir(), 'trove-apk-')));
  }

  async #signed(member: Buffer): Promise<Buffer> {
    const sig = sign('sha1', member, this.key);
    return gzipSync(await tarSegment({ [`.SIGN.RSA.${KEY_NAME}`]: sig }, false));
  }

  /** Builds `<name>-<version>.apk` into `dir` and records it for the next publication. */
  async build(p: ApkPackage, dir = 'v3.20/main/x86_64'): Promise<string> {
    const files: Record<string, Buffer | string> = {
      [`usr/share/${p.name}/payload`]: p.payload ?? `${p.name} ${p.version}\n`,
    };
    if (p.filler) files[`usr/share/${p.name}/filler`] = Buffer.alloc(p.filler, 7);
    const data = gzipSync(await tarSegment(files, true));
    const datahash = createHash('sha256').update(data).digest('hex');
    const pkginfo = [
      `pkgname = ${p.name}`,
      `pkgver = ${p.version}`,
      'arch = x86_64',
      `size = ${data.length}`,
      `datahash = ${datahash}`,
      '',
    ].join('\n');
    const control = gzipSync(await tarSegment({ '.PKGINFO': pkginfo }, false));
    const apk = Buffer.concat([await this.#signed(control), control, data]);
    const rel = `${dir}/${p.name}-${p.version}.apk`;
    this.write(rel, apk);
    const record = [
      `C:Q1${sha1b64(control)}`,
      `P:${p.name}`,
      `V:${p.version}`,
      'A:x86_64',
      `S:${apk.length}`,
      `I:${data.length}`,
      `T:test package ${p.name}`,
      'U:https://trove.invalid',
      'L:MIT',
    ].join('\n');
    const records = this.#records.get(dir) ?? new Map<string, string>();
    records.set(`${p.name}-${p.version}`, record);
    this.#records.set(dir, records);
    return rel;
  }

  /** Writes a signed APKINDEX.tar.gz for what `dir` has recorded. */
  async publish(dir = 'v3.20/main/x86_64'): Promise<void> {
    const text = `${[...(this.#records.get(dir)?.values() ?? [])].join('\n\n')}\n\n`;
    const index = gzipSync(await tarSegment({ DESCRIPTION: 'trove test', APKINDEX: text }, true));
    this.write(`${dir}/APKINDEX.tar.gz`, Buffer.concat([await this.#signed(index), index]));
    this.touch(join(this.root, dir), ['APKINDEX.tar.gz']);
  }
}
