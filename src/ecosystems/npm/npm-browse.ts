// npm packages in the UI: the tarballs, by package name and version (packuments are metadata
// behind them and stay out of the list).
import { inNamespace, type EntryBrowser } from '../../ui/entry-browser.js';

export const npmBrowser: EntryBrowser = {
  prefix: (q) => `tgz/${q.trim()}`,
  label(key) {
    const rest = inNamespace(key, 'tgz');
    const slash = rest?.lastIndexOf('/') ?? -1;
    if (!rest || slash < 0) return null;
    const name = rest.slice(0, slash);
    const file = rest.slice(slash + 1);
    const bare = name.slice(name.lastIndexOf('/') + 1);
    const version = file.startsWith(`${bare}-`)
      ? file.slice(bare.length + 1).replace(/\.tgz$/, '')
      : file;
    return { name, version, kind: 'tarball' };
  },
};
