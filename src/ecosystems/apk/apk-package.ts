// Checking a whole .apk against its index record: the control member's digest must be the
// index's `C:` (sha1 of its raw gzip bytes, after the signature member), and the data that
// follows must hash to the `datahash` the control part's .PKGINFO names. This is what apk-tools
// checks, and what a peer once got wrong by hashing the wrong member.
import { createHash } from 'node:crypto';
import type { BodyView, ExpectedDigest } from '../../engine/types.js';
import { TroveError } from '../../errors.js';
import { firstTarFile } from '../../repos/tar-entries.js';
import { memberAt } from './gzip-members.js';

/** Signature and control members are small; more than this before the data is refused. */
const MAX_HEAD = 8 * 1024 * 1024;
const CHUNK = 1024 * 1024;

async function datahash(control: Buffer): Promise<string | null> {
  const pkginfo = await firstTarFile(control, 'none', (n) => n === '.PKGINFO');
  if (!pkginfo) throw new Error('the control member has no .PKGINFO');
  return /^datahash = ([0-9a-f]{64})$/m.exec(pkginfo.body.toString('utf8'))?.[1] ?? null;
}

/** Throws TROVE_ERR_VERIFY unless the body is the package the index lists. */
export async function verifyApk(body: BodyView, expected: ExpectedDigest): Promise<void> {
  try {
    await check(body, expected);
  } catch (err) {
    if (err instanceof TroveError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new TroveError('TROVE_ERR_VERIFY', `not the package the index lists: ${why}`);
  }
}

async function check(body: BodyView, expected: ExpectedDigest): Promise<void> {
  const head = await body.read(0, Math.min(body.size, MAX_HEAD));
  const first = memberAt(head, 0);
  const signature = await firstTarFile(first.data, 'none', (n) => n.startsWith('.SIGN.'));
  const signed = signature !== undefined;
  const control = signed ? memberAt(head, first.end) : first;
  const got = createHash(expected.algorithm)
    .update(head.subarray(control.start, control.end))
    .digest('hex');
  if (got !== expected.hex) {
    throw new Error(`control ${expected.algorithm} is ${got}, the index lists ${expected.hex}`);
  }
  const want = await datahash(control.data);
  if (!want) return;
  const h = createHash('sha256');
  for (let at = control.end; at < body.size; at += CHUNK) {
    h.update(await body.read(at, Math.min(CHUNK, body.size - at)));
  }
  const data = h.digest('hex');
  if (data !== want) throw new Error(`data sha256 is ${data}, .PKGINFO says ${want}`);
}
