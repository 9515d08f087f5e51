// Files read again when they change. Polled, not fs.watch: editors, `htpasswd`, cert-manager
// and Kubernetes secret volumes replace a file (a rename, a symlink swap), which fs.watch loses.
import { unwatchFile, watchFile, type Stats } from 'node:fs';

const INTERVAL_MS = 1000;

/** Calls `changed` after any of the files changes; returns the stop function. */
export function pollFiles(paths: readonly string[], changed: () => void): () => void {
  const listener = (now: Stats, before: Stats): void => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) {
      changed();
    }
  };
  for (const p of paths) watchFile(p, { interval: INTERVAL_MS, persistent: false }, listener);
  return () => {
    for (const p of paths) unwatchFile(p, listener);
  };
}
