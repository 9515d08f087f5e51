// URL helpers shared by ecosystems.

/** Re-encodes a decoded path segment for an upstream URL (RFC 3986 pchar). */
export function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(
    /%(40|3A|2B|21|24|26|27|28|29|2A|2C|3B|3D)/g,
    (_m, h: string) => String.fromCharCode(parseInt(h, 16)),
  );
}

export function encodePath(segments: readonly string[]): string {
  return segments.map(encodeSegment).join('/');
}
