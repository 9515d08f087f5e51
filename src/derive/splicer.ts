// Copies a stream through while replacing byte ranges in it, for metadata rewritten in place:
// everything outside the replaced ranges leaves exactly as it came in.

interface Edit {
  start: number;
  end: number;
  bytes: Buffer;
}

export class Splicer {
  readonly #emit: (b: Buffer) => void;
  #pending: Buffer[] = [];
  /** Stream offset of the first pending byte. */
  #from = 0;
  #edits: Edit[] = [];

  constructor(emit: (b: Buffer) => void) {
    this.#emit = emit;
  }

  add(chunk: Buffer): void {
    this.#pending.push(chunk);
  }

  /** Replaces [start, end) with `bytes`; edits come in stream order and never overlap. */
  replace(start: number, end: number, bytes: Buffer): void {
    this.#edits.push({ start, end, bytes });
  }

  /** Emits everything before `upto`; an edit starting before it must end at or before it. */
  flush(upto: number): void {
    while (this.#from < upto && this.#pending.length > 0) {
      const edit = this.#edits[0];
      if (edit && edit.start <= this.#from) {
        this.#edits.shift();
        this.#emit(edit.bytes);
        this.#skip(edit.end - this.#from);
        continue;
      }
      const stop = Math.min(upto, edit ? edit.start : upto);
      this.#copy(stop - this.#from);
    }
  }

  #copy(n: number): void {
    let left = n;
    while (left > 0 && this.#pending.length > 0) {
      const first = this.#pending[0] as Buffer;
      const take = Math.min(left, first.length);
      this.#emit(first.subarray(0, take));
      this.#drop(first, take);
      left -= take;
    }
  }

  #skip(n: number): void {
    let left = n;
    while (left > 0 && this.#pending.length > 0) {
      const first = this.#pending[0] as Buffer;
      const take = Math.min(left, first.length);
      this.#drop(first, take);
      left -= take;
    }
  }

  #drop(first: Buffer, n: number): void {
    if (n === first.length) this.#pending.shift();
    else this.#pending[0] = first.subarray(n);
    this.#from += n;
  }
}
