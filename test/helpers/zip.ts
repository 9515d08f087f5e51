// A zip archive in memory (wheels, jars), with fixed dates so the same entries give the same
// bytes. No vitest imports: benchmarks use it too.
import { ZipFile } from 'yazl';

const DATE = new Date('2024-01-02T03:04:05Z');

export function zipOf(entries: ReadonlyArray<readonly [string, Buffer]>): Promise<Buffer> {
  const z = new ZipFile();
  for (const [path, data] of entries) z.addBuffer(data, path, { mtime: DATE, mode: 0o100644 });
  z.end();
  const parts: Buffer[] = [];
  return new Promise((resolve, reject) => {
    z.outputStream.on('data', (c: Buffer) => parts.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(parts)));
    z.outputStream.on('error', reject);
  });
}
