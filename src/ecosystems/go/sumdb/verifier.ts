// Checks module hashes against a checksum database the way the go command does: the lookup
// record must be signed (through its tree note) by the database's key and provably included in
// that tree; its go.sum lines then give the expected h1: hashes of the .zip and the .mod.
import { TroveError } from '../../../errors.js';
import { escapeModulePath, escapeVersion } from '../module-path.js';
import { openNote, parseVerifierKey, type Verifier } from './note.js';
import { parseTree, proveInclusion, recordHash } from './tlog.js';

/** Reads a path below the database root; null when the database has no such object. */
export type SumdbReader = (path: string) => Promise<Buffer | null>;

export interface ModuleHashes {
  zip?: string;
  mod?: string;
}

const refuse = (why: string): TroveError => new TroveError('TROVE_ERR_VERIFY', why);

export class SumdbVerifier {
  readonly name: string;
  readonly #key: Verifier;
  readonly #read: SumdbReader;

  constructor(key: string, read: SumdbReader) {
    this.#key = parseVerifierKey(key);
    this.name = this.#key.name;
    this.#read = read;
  }

  /** The database's h1: hashes for module@version; refuses with TROVE_ERR_VERIFY. */
  async hashes(module: string, version: string): Promise<ModuleHashes> {
    const p = escapeModulePath(module);
    const v = escapeVersion(version);
    if (!p.ok || !v.ok) throw refuse(`${module}@${version}: cannot be looked up`);
    const what = `${module}@${version}`;
    const data = await this.#read(`lookup/${p.value}@${v.value}`);
    if (!data) throw refuse(`${what}: not in checksum database ${this.name}`);
    const nl = data.indexOf(0x0a);
    const id = Number(data.subarray(0, Math.max(nl, 0)).toString('latin1'));
    const end = data.indexOf('\n\n', nl + 1);
    if (nl <= 0 || !Number.isSafeInteger(id) || end < 0) {
      throw refuse(`${what}: malformed record from ${this.name}`);
    }
    const text = data.subarray(nl + 1, end + 1);
    const signed = openNote(data.subarray(end + 2), this.#key);
    if (signed === null) throw refuse(`${what}: ${this.name} tree signature does not verify`);
    const tree = parseTree(signed);
    if (!tree) throw refuse(`${what}: malformed tree note from ${this.name}`);
    const readTile = async (path: string): Promise<Buffer> => {
      const tile = await this.#read(path);
      if (!tile) throw refuse(`${what}: ${this.name} has no ${path}`);
      return tile;
    };
    let included: boolean;
    try {
      included = await proveInclusion(id, recordHash(text), tree.size, tree.root, readTile);
    } catch (err) {
      if (err instanceof TroveError) throw err;
      throw refuse(`${what}: bad tile from ${this.name}: ${(err as Error).message}`);
    }
    if (!included) throw refuse(`${what}: record is not in ${this.name}'s signed tree`);
    const out: ModuleHashes = {};
    for (const line of text.toString('utf8').split('\n')) {
      const [m, ver, hash] = line.split(' ');
      if (m !== module || !hash) continue;
      if (ver === version) out.zip = hash;
      if (ver === `${version}/go.mod`) out.mod = hash;
    }
    return out;
  }
}
