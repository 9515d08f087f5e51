// Crates in the UI: the .crate files by name and version (index files stay out of the list).
import { inNamespace, type EntryBrowser } from '../../ui/entry-browser.js';

export const cargoBrowser: EntryBrowser = {
  prefix: (q) => `crate/${q.trim().toLowerCase()}`,
  label(key) {
    const m = /^([^/]+)\/([^/]+)$/.exec(inNamespace(key, 'crate') ?? '');
    return m ? { name: m[1] as string, version: m[2] as string, kind: 'crate' } : null;
  },
};
