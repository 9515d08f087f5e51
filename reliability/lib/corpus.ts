// Deterministic objects for the runs: object i has a fixed size and content, so any complete
// body can be checked against its sha256 without keeping the bytes around.
import { createCipheriv, createHash } from 'node:crypto';

export interface Obj {
  name: string;
  size: number;
  sha256: string;
  bytes: Buffer;
}

/** A reproducible byte stream: AES-256-CTR keystream keyed by the seed (fast, incompressible). */
function bytesOf(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

/** `count` objects from `min` (1 KiB) up to `maxSize`, spread on a log scale. */
export function corpus(count: number, maxSize: number, seed = 'trove', min = 1024): Obj[] {
  const out: Obj[] = [];
  for (let i = 0; i < count; i++) {
    const size = Math.round(min * Math.pow(maxSize / min, i / Math.max(1, count - 1)));
    const bytes = bytesOf(`${seed}-${i}`, size);
    out.push({
      name: `obj-${i}.bin`,
      size,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes,
    });
  }
  return out;
}
