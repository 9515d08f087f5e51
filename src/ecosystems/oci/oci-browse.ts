// Images in the UI: manifests by repository and tag or digest, and blobs by digest. A search is
// a repository as clients name it (`alpine`, `team/app`, `ghcr.io/o/i`).
import type { EntryBrowser } from '../../ui/entry-browser.js';
import { isRegistryHost } from './image-ref.js';

export const ociBrowser: EntryBrowser = {
  prefix(q) {
    const t = q.trim();
    if (t === '') return '';
    const first = t.split('/')[0] as string;
    if (isRegistryHost(first)) return t;
    return `docker.io/${t.includes('/') ? t : `library/${t}`}`;
  },
  label(key) {
    const m = /^(.+)\/(manifests|blobs)\/([^#]+)(#.*)?$/.exec(key);
    if (!m) return null;
    return {
      name: m[1] as string,
      version: m[3] as string,
      kind: m[2] === 'blobs' ? 'blob' : 'manifest',
    };
  },
};
