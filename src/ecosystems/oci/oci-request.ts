// Parses Docker Registry HTTP API v2 / OCI distribution-spec v1.1 paths below /v2/:
//   ""                         the version check
//   <name>/manifests/<ref>     a tag or a digest
//   <name>/blobs/<digest>
//   <name>/tags/list
//   <name>/referrers/<digest>
//   auth                       Trove's token realm (passthrough mode)
// and recognises the push and delete endpoints so they can be refused clearly.

/** distribution/reference: path components of lower-case alphanumerics and separators. */
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export type OciEndpoint =
  | { kind: 'base' }
  /** Trove's own token realm, for passthrough mode (/v2/auth). */
  | { kind: 'token' }
  | { kind: 'manifest'; name: string[]; reference: string; byDigest: boolean }
  | { kind: 'blob'; name: string[]; digest: string }
  | { kind: 'tags'; name: string[] }
  | { kind: 'referrers'; name: string[]; digest: string }
  | { kind: 'push'; name: string[] };

export type OciRequest =
  | { ok: true; endpoint: OciEndpoint }
  | { ok: false; status: number; code: string; message: string };

const fail = (status: number, code: string, message: string): OciRequest => ({
  ok: false,
  status,
  code,
  message,
});

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

/** Registry host names (docker.io, ghcr.io, localhost:5000) are kept as they are. */
function nameOk(name: string[]): boolean {
  return name.length > 0 && name.every((c) => COMPONENT.test(c) || /^[a-z0-9.-]+(:\d+)?$/.test(c));
}

export function parseOciPath(segments: readonly string[]): OciRequest {
  if (segments.length === 0 || (segments.length === 1 && segments[0] === '')) {
    return { ok: true, endpoint: { kind: 'base' } };
  }
  if (segments.length === 1 && segments[0] === 'auth')
    return { ok: true, endpoint: { kind: 'token' } };
  const n = segments.length;
  const last = segments[n - 1] as string;
  const prev = segments[n - 2];
  const name = segments.slice(0, n - 2);
  if (prev === 'blobs' && last === 'uploads') return { ok: true, endpoint: { kind: 'push', name } };
  const uploads = segments.indexOf('uploads');
  if (uploads > 1 && segments[uploads - 1] === 'blobs') {
    return { ok: true, endpoint: { kind: 'push', name: segments.slice(0, uploads - 1) } };
  }
  if (!nameOk(name)) return fail(404, 'NAME_INVALID', 'invalid repository name');
  switch (prev) {
    case 'manifests':
      if (isDigest(last)) {
        return { ok: true, endpoint: { kind: 'manifest', name, reference: last, byDigest: true } };
      }
      // Neither a tag nor a digest: no such manifest (the distribution spec allows only 404
      // here; its conformance suite checks it).
      if (!TAG.test(last)) {
        return fail(404, 'MANIFEST_UNKNOWN', `"${last}" is neither a valid tag nor a digest`);
      }
      return { ok: true, endpoint: { kind: 'manifest', name, reference: last, byDigest: false } };
    case 'blobs':
      if (!isDigest(last)) return fail(400, 'DIGEST_INVALID', `invalid digest "${last}"`);
      return { ok: true, endpoint: { kind: 'blob', name, digest: last } };
    case 'tags':
      if (last === 'list') return { ok: true, endpoint: { kind: 'tags', name } };
      break;
    case 'referrers':
      if (!isDigest(last)) return fail(400, 'DIGEST_INVALID', `invalid digest "${last}"`);
      return { ok: true, endpoint: { kind: 'referrers', name, digest: last } };
  }
  return fail(404, 'NOT_FOUND', 'not a registry API path');
}
