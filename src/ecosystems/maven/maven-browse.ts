// Maven artifacts in the UI: files by groupId:artifactId, version and extension; a search is
// `groupId`, `groupId:artifactId` or a prefix of either. Metadata and sidecars stay out.
import { inNamespace, type EntryBrowser } from '../../ui/entry-browser.js';

export const mavenBrowser: EntryBrowser = {
  prefix(q) {
    const [group = '', artifact] = q.trim().split(':');
    return `f/${group.replaceAll('.', '/')}${artifact === undefined ? '' : `/${artifact}`}`;
  },
  label(key) {
    const parts = (inNamespace(key, 'f') ?? '').split('/');
    if (parts.length < 4) return null;
    const file = parts.at(-1) as string;
    const version = parts.at(-2) as string;
    const artifact = parts.at(-3) as string;
    const group = parts.slice(0, -3).join('.');
    const kind = file.slice(file.lastIndexOf('.') + 1);
    return { name: `${group}:${artifact}`, version, kind };
  },
};
