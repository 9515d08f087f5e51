// A streaming JSON scanner for metadata documents too big to parse whole (a 100 MB packument).
// It checks the syntax of the whole stream and reports the members of chosen objects by path,
// with their byte offsets, and their raw bytes when asked. Memory stays bounded by the largest
// captured member, whatever the document's size.
import { TroveError } from '../errors.js';

export interface Member {
  /** Keys from the root object down to this member. */
  path: readonly string[];
  /** Offsets of the member's value in the stream (end exclusive). */
  start: number;
  end: number;
  /** The value's bytes, when `capture` asked for them. */
  raw?: Buffer;
}

export interface ScanRules {
  /** Whether the members of the object at this path are reported (the root's always are). */
  descend(path: readonly string[]): boolean;
  /** Whether the elements of the array at this path are reported, keyed "0", "1", … */
  elements?(path: readonly string[]): boolean;
  /** Whether a reported member's raw bytes are kept. */
  capture(path: readonly string[]): boolean;
  onMember(m: Member): void;
}

type Expect = 'value' | 'key' | 'key-or-end' | 'colon' | 'comma-or-end' | 'value-or-end' | 'done';

interface Frame {
  kind: 'obj' | 'arr';
  /** Path of this container; members are reported when `report` is set. */
  path: string[];
  report: boolean;
  key: string;
  /** Elements seen so far (arrays). */
  index: number;
  /** Start offset of the current member's value (-1 outside one). */
  valueStart: number;
  capture: boolean;
}

const SCALAR = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/;
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function bad(why: string, at: number): TroveError {
  return new TroveError('TROVE_ERR_UPSTREAM_BODY', `malformed JSON at byte ${at}: ${why}`);
}

export class JsonScanner {
  readonly #rules: ScanRules;
  readonly #stack: Frame[] = [];
  #expect: Expect = 'value';
  /** Stream offset of the first byte of the next chunk. */
  #offset = 0;
  /** Chunks kept for captures and keys, from #keptFrom on. */
  #kept: Buffer[] = [];
  #keptFrom = 0;
  // A string in progress: where it started, whether it is a key, and a pending backslash.
  #inString = false;
  #stringIsKey = false;
  #stringStart = 0;
  #escaped = false;
  // A number or literal in progress.
  #scalar = '';
  #scalarStart = 0;

  constructor(rules: ScanRules) {
    this.#rules = rules;
  }

  /** Bytes before this offset will never be captured again (a splicer may emit them). */
  get settledBefore(): number {
    let low = this.#offset;
    if (this.#inString && this.#stringIsKey) low = Math.min(low, this.#stringStart);
    for (const f of this.#stack)
      if (f.capture && f.valueStart >= 0) low = Math.min(low, f.valueStart);
    return low;
  }

  push(chunk: Buffer): void {
    this.#kept.push(chunk);
    const base = this.#offset;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.#inString) {
        i = this.#stringPart(chunk, i, base);
        continue;
      }
      const c = chunk[i] as number;
      if (this.#scalar !== '' || (this.#expectsValue() && isScalarStart(c))) {
        if (isScalarByte(c)) {
          if (this.#scalar === '') {
            this.#scalarStart = base + i;
            this.#valueStarts(base + i);
          }
          this.#scalar += String.fromCharCode(c);
          if (this.#scalar.length > 64) throw bad('number or literal too long', base + i);
          i++;
          continue;
        }
        this.#endScalar(base + i);
      }
      if (WS.has(c)) {
        i++;
        continue;
      }
      this.#byte(c, base + i);
      i++;
    }
    this.#offset += n;
    this.#trim();
  }

  /** The stream has ended: it must have held exactly one complete value. */
  end(): void {
    if (this.#scalar !== '') this.#endScalar(this.#offset);
    if (this.#inString || this.#expect !== 'done') throw bad('unexpected end', this.#offset);
  }

  #expectsValue(): boolean {
    return this.#expect === 'value' || this.#expect === 'value-or-end';
  }

  #byte(c: number, at: number): void {
    const e = this.#expect;
    if (e === 'done') throw bad('data after the document', at);
    if (e === 'colon') {
      if (c !== 0x3a) throw bad('expected ":"', at);
      this.#expect = 'value';
      return;
    }
    if (e === 'comma-or-end') {
      const top = this.#stack[this.#stack.length - 1] as Frame;
      if (c === 0x2c) this.#expect = top.kind === 'obj' ? 'key' : 'value';
      else if ((c === 0x7d && top.kind === 'obj') || (c === 0x5d && top.kind === 'arr')) {
        this.#close(at + 1);
      } else throw bad('expected "," or the end of a container', at);
      return;
    }
    if (e === 'key' || e === 'key-or-end') {
      if (c === 0x22) return this.#startString(true, at);
      if (c === 0x7d && e === 'key-or-end') return this.#close(at + 1);
      throw bad('expected a key', at);
    }
    // A value is expected.
    if (c === 0x5d && e === 'value-or-end') return this.#close(at + 1);
    this.#valueStarts(at);
    if (c === 0x22) return this.#startString(false, at);
    if (c === 0x7b || c === 0x5b) {
      const parent = this.#stack[this.#stack.length - 1];
      const path = parent ? (parent.report ? [...parent.path, parent.key] : []) : [];
      const wanted = (): boolean =>
        c === 0x7b ? !parent || this.#rules.descend(path) : (this.#rules.elements?.(path) ?? false);
      const report = (!parent || parent.report) && wanted();
      this.#stack.push({
        kind: c === 0x7b ? 'obj' : 'arr',
        path,
        report,
        key: '',
        index: 0,
        valueStart: -1,
        capture: false,
      });
      this.#expect = c === 0x7b ? 'key-or-end' : 'value-or-end';
      return;
    }
    throw bad(`unexpected byte 0x${c.toString(16)}`, at);
  }

  /** A member's value begins at `at`: note where, and whether its bytes are kept. */
  #valueStarts(at: number): void {
    const top = this.#stack[this.#stack.length - 1];
    if (!top || !top.report) return;
    if (top.kind === 'arr') top.key = String(top.index++);
    top.valueStart = at;
    top.capture = this.#rules.capture([...top.path, top.key]);
  }

  /** A value ended just before `end`: report it if it is a member being watched. */
  #valueEnds(end: number): void {
    const top = this.#stack[this.#stack.length - 1];
    this.#expect = top ? 'comma-or-end' : 'done';
    if (!top || !top.report || top.valueStart < 0) return;
    const path = [...top.path, top.key];
    const m: Member = { path, start: top.valueStart, end };
    if (top.capture) m.raw = this.#slice(top.valueStart, end);
    top.valueStart = -1;
    top.capture = false;
    this.#rules.onMember(m);
  }

  #close(end: number): void {
    this.#stack.pop();
    this.#valueEnds(end);
  }

  #startString(isKey: boolean, at: number): void {
    this.#inString = true;
    this.#stringIsKey = isKey;
    this.#stringStart = at;
    this.#escaped = false;
  }

  /** Scans string bytes from `i`; returns where scanning goes on. */
  #stringPart(chunk: Buffer, i: number, base: number): number {
    let pos = i;
    if (this.#escaped) {
      this.#escaped = false;
      pos++;
    }
    for (;;) {
      const q = chunk.indexOf(0x22, pos);
      const b = chunk.indexOf(0x5c, pos);
      if (b !== -1 && (q === -1 || b < q)) {
        if (b + 1 >= chunk.length) {
          this.#escaped = true;
          return chunk.length;
        }
        pos = b + 2;
        continue;
      }
      if (q === -1) return chunk.length;
      this.#inString = false;
      const end = base + q + 1;
      if (this.#stringIsKey) {
        this.#key(end);
        this.#expect = 'colon';
      } else this.#valueEnds(end);
      return q + 1;
    }
  }

  #key(end: number): void {
    const top = this.#stack[this.#stack.length - 1] as Frame;
    if (!top.report) return;
    const raw = this.#slice(this.#stringStart, end).toString('utf8');
    try {
      top.key = JSON.parse(raw) as string;
    } catch {
      throw bad('malformed key', this.#stringStart);
    }
  }

  #endScalar(end: number): void {
    if (!SCALAR.test(this.#scalar))
      throw bad(`"${this.#scalar}" is not a value`, this.#scalarStart);
    this.#scalar = '';
    this.#valueEnds(end);
  }

  #slice(start: number, end: number): Buffer {
    const parts: Buffer[] = [];
    let at = this.#keptFrom;
    for (const c of this.#kept) {
      const from = Math.max(start, at);
      const to = Math.min(end, at + c.length);
      if (from < to) parts.push(c.subarray(from - at, to - at));
      at += c.length;
      if (at >= end) break;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** Drops kept chunks that no capture in progress can need. */
  #trim(): void {
    const low = this.settledBefore;
    while (this.#kept.length > 0) {
      const first = this.#kept[0] as Buffer;
      if (this.#keptFrom + first.length > low) break;
      this.#kept.shift();
      this.#keptFrom += first.length;
    }
  }
}

function isScalarStart(c: number): boolean {
  return c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e;
}

function isScalarByte(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2d ||
    c === 0x2b ||
    c === 0x2e ||
    c === 0x45
  );
}
