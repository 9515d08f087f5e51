// PyPI projects in the UI: the distribution files, by normalized project, version and kind
// (wheel or sdist); pages and metadata files stay out of the list.
import { normalize } from './project-name.js';
import { inNamespace, type EntryBrowser } from '../../ui/entry-browser.js';

export const pypiBrowser: EntryBrowser = {
  prefix: (q) => `file/${normalize(q.trim())}`,
  label(key) {
    const rest = inNamespace(key, 'file');
    const m = rest ? /^([^/]+)\/[0-9a-f]{64}\/(.+)$/.exec(rest) : null;
    if (!m) return null;
    const filename = m[2] as string;
    const wheel = /^[^-]+-([^-]+)-.*\.whl$/.exec(filename);
    const sdist = /-([^-]+)\.(tar\.gz|zip|tar\.bz2)$/.exec(filename);
    return {
      name: m[1] as string,
      version: wheel?.[1] ?? sdist?.[1] ?? '',
      kind: wheel ? 'wheel' : 'sdist',
    };
  },
};
