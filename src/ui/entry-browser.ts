// How the web UI lists what an instance has cached, in the ecosystem's own terms: a search turns
// into a key prefix (a range of the index, never a scan), and each key into a name, a version
// and a kind. Keys here are below the instance (`<instance>/` removed).

export interface EntryLabel {
  name: string;
  version: string;
  /** What the file is: zip, mod, tarball, wheel, manifest, blob, jar… */
  kind: string;
}

export interface EntryBrowser {
  /** The key prefix a search stands for: a module path, a package name, a repository. */
  prefix(query: string): string;
  /** How the UI shows an entry; null leaves it out (copies derived for one client kind). */
  label(key: string): EntryLabel | null;
}

/** Paths as they are: file trees and Linux repositories. */
export const pathBrowser: EntryBrowser = {
  prefix: (q) => q.trim().replace(/^\/+/, ''),
  label: (key) => ({ name: key, version: '', kind: key.slice(key.lastIndexOf('.') + 1) || 'file' }),
};

/** The part of a key after `ns/`, or null when it is in another namespace. */
export const inNamespace = (key: string, ns: string): string | null =>
  key.startsWith(`${ns}/`) ? key.slice(ns.length + 1) : null;
