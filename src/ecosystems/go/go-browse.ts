// Go modules in the UI: a module path (any case) searches its escaped keys; each file shows as
// its module, version and kind (info, mod, zip), the version list, or a checksum database tile.
import type { EntryBrowser } from '../../ui/entry-browser.js';
import { escapeString, unescapeString } from './module-path.js';

const unescape = (s: string): string => unescapeString(s) ?? s;

export const goBrowser: EntryBrowser = {
  prefix: (q) => escapeString(q.trim()),
  label(key) {
    const file = /^(.+)\/@v\/(.+)\.(info|mod|zip)$/.exec(key);
    if (file) {
      return {
        name: unescape(file[1] as string),
        version: unescape(file[2] as string),
        kind: file[3] as string,
      };
    }
    const list = /^(.+)\/@(v\/list|latest)$/.exec(key);
    if (list) {
      return {
        name: unescape(list[1] as string),
        version: '',
        kind: list[2] === 'latest' ? 'latest' : 'list',
      };
    }
    return { name: key, version: '', kind: key.startsWith('sumdb/') ? 'sumdb' : 'file' };
  },
};
