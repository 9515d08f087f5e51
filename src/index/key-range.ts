// The keys that start with a prefix, as a range of the key index: [prefix, upper), where upper
// is the prefix with its last character incremented (byte order: SQLite's BINARY and
// PostgreSQL's "C" collation).

/** The first key after every key that starts with `prefix`; null for an empty prefix. */
export function prefixUpper(prefix: string): string | null {
  if (prefix === '') return null;
  const last = prefix.charCodeAt(prefix.length - 1);
  return `${prefix.slice(0, -1)}${String.fromCharCode(last + 1)}`;
}
