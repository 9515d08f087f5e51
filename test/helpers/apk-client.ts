// A scripted apk-tools 2 client (no apk client can be had on Debian): `update` fetches a
// repository's APKINDEX.tar.gz and checks its RSA signature against the trusted keys; `fetch`
// downloads a package and checks what apk checks: its size, its signature over the control
// member, the control member's sha1 against the index's C:Q1, and the data against datahash.
// It throws with apk's own words on any failure. No vitest imports.
import { createHash, verify, type KeyObject } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { memberAt } from '../../src/ecosystems/apk/gzip-members.js';
import { tarFiles, type TarFile } from '../../src/repos/tar-entries.js';

/** The files of an uncompressed tar. */
async function entries(tar: Buffer): Promise<TarFile[]> {
  const out: TarFile[] = [];
  for await (const f of tarFiles(tar, 'none', () => true)) out.push(f);
  return out;
}

interface Record {
  name: string;
  version: string;
  size: number;
  q1: string;
}

export class ApkClient {
  readonly #repo: string;
  readonly #keys: ReadonlyMap<string, KeyObject>;
  #index = new Map<string, Record>();

  /** `repo` is the repositories line (`http://trove/alpine/v3.20/main`), with the arch. */
  constructor(
    repo: string,
    keys: ReadonlyMap<string, KeyObject>,
    readonly arch = 'x86_64',
  ) {
    this.#repo = `${repo}/${arch}`;
    this.#keys = keys;
  }

  /** Checks the signature member before `at` over the member at `at`; returns that member. */
  async #checkSigned(body: Buffer, what: string) {
    const sig = memberAt(body, 0);
    const entry = (await entries(sig.data)).find((e) => e.name.startsWith('.SIGN.RSA.'));
    if (!entry) throw new Error(`${what}: UNTRUSTED signature (none)`);
    const key = this.#keys.get(entry.name.slice('.SIGN.RSA.'.length));
    if (!key) throw new Error(`${what}: UNTRUSTED signature (unknown key)`);
    const signed = memberAt(body, sig.end);
    if (!verify('sha1', body.subarray(signed.start, signed.end), key, entry.body)) {
      throw new Error(`${what}: BAD signature`);
    }
    return signed;
  }

  async update(): Promise<number> {
    const res = await fetch(`${this.#repo}/APKINDEX.tar.gz`);
    if (res.status !== 200) throw new Error(`APKINDEX.tar.gz: HTTP ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    const index = await this.#checkSigned(body, 'APKINDEX.tar.gz');
    const apkindex = (await entries(index.data)).find((e) => e.name === 'APKINDEX');
    if (!apkindex) throw new Error('APKINDEX.tar.gz: no APKINDEX');
    this.#index = new Map();
    for (const block of apkindex.body.toString('utf8').split('\n\n')) {
      const f = new Map(block.split('\n').map((l) => [l.slice(0, 1), l.slice(2)] as const));
      const name = f.get('P');
      if (!name) continue;
      this.#index.set(name, {
        name,
        version: f.get('V') ?? '',
        size: Number(f.get('S')),
        q1: f.get('C') ?? '',
      });
    }
    return this.#index.size;
  }

  /** Downloads and checks a package; returns the files of its data part. */
  async fetch(name: string): Promise<Map<string, Buffer>> {
    const r = this.#index.get(name);
    if (!r) throw new Error(`${name}: no such package`);
    const file = `${r.name}-${r.version}.apk`;
    const res = await fetch(`${this.#repo}/${file}`);
    if (res.status !== 200) throw new Error(`${file}: HTTP ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length !== r.size) throw new Error(`${file}: size mismatch`);
    const control = await this.#checkSigned(body, file);
    const q1 = `Q1${createHash('sha1').update(body.subarray(control.start, control.end)).digest('base64')}`;
    if (q1 !== r.q1) throw new Error(`${file}: checksum mismatch (control)`);
    const pkginfo = (await entries(control.data)).find((e) => e.name === '.PKGINFO');
    const datahash = /^datahash = (\S+)$/m.exec(pkginfo?.body.toString('utf8') ?? '')?.[1];
    const data = body.subarray(control.end);
    if (createHash('sha256').update(data).digest('hex') !== datahash) {
      throw new Error(`${file}: checksum mismatch (data)`);
    }
    return new Map((await entries(gunzipSync(data))).map((e) => [e.name, e.body]));
  }
}
