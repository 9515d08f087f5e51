// A pacman sync database (`core.db`): a tar, compressed or not, of `<name>-<version>/desc`
// files, each a list of `%FIELD%` sections. Each package is listed with its file name, size
// and SHA-256; its detached signature too, when the database embeds it (`%PGPSIG%`).
import { createHash } from 'node:crypto';
import type { PackageRef } from '../../repos/repo-format.js';
import { sniff } from '../../repos/decompress.js';
import { tarFiles } from '../../repos/tar-entries.js';

/** The sections of a desc file: `%FILENAME%` → its lines. */
export function descFields(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const block of text.split(/\n{2,}/)) {
    const lines = block.split('\n').filter((l) => l !== '');
    const head = /^%([A-Z0-9]+)%$/.exec(lines[0] ?? '');
    if (head) out.set(head[1] as string, lines.slice(1));
  }
  return out;
}

/** The package (and its embedded signature) one desc lists. */
export function descRefs(text: string): PackageRef[] {
  const f = descFields(text);
  const file = f.get('FILENAME')?.[0];
  const size = Number(f.get('CSIZE')?.[0]);
  const sha = f.get('SHA256SUM')?.[0]?.toLowerCase();
  if (
    !file ||
    file.includes('/') ||
    !Number.isSafeInteger(size) ||
    !sha ||
    !/^[0-9a-f]{64}$/.test(sha)
  ) {
    return [];
  }
  const out: PackageRef[] = [{ path: file, size, digests: [{ algorithm: 'sha256', hex: sha }] }];
  const sig = f.get('PGPSIG')?.[0];
  if (sig && /^[A-Za-z0-9+/=]+$/.test(sig)) {
    const bytes = Buffer.from(sig, 'base64');
    const hex = createHash('sha256').update(bytes).digest('hex');
    out.push({ path: `${file}.sig`, size: bytes.length, digests: [{ algorithm: 'sha256', hex }] });
  }
  return out;
}

/** True when a body looks like a pacman database: compressed, or a bare tar. */
export function looksLikeDb(body: Buffer): boolean {
  return sniff(body) !== 'none' || body.toString('latin1', 257, 262) === 'ustar';
}

/** Every package a sync database lists, a batch per 500 desc files. */
export async function* readDb(_path: string, body: Buffer): AsyncGenerator<PackageRef[]> {
  let batch: PackageRef[] = [];
  for await (const f of tarFiles(body, sniff(body), (n) => n.endsWith('/desc'))) {
    batch.push(...descRefs(f.body.toString('utf8')));
    if (batch.length >= 500) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
