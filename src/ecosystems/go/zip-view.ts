// Lets yauzl read a zip through positional reads (a spooled body, a git archive) instead of a
// file descriptor it owns.
import { Readable } from 'node:stream';
import yauzl from 'yauzl';

export interface RandomAccess {
  size: number;
  read(position: number, length: number): Promise<Buffer>;
  close?(): Promise<void>;
}

export class ZipViewReader extends yauzl.RandomAccessReader {
  constructor(private readonly view: RandomAccess) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const view = this.view;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let pos = start; pos < end;) {
        const buf = await view.read(pos, Math.min(1 << 20, end - pos));
        if (buf.length === 0) throw new Error('zip ends early');
        pos += buf.length;
        yield buf;
      }
    }
    return Readable.from(chunks());
  }
}
