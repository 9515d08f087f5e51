// PyPI: the project's simple page (JSON, PEP 691), then every file of the version (or only
// those whose sha256 the requirements pin), with their PEP 658 metadata where the page has it.
import { normalize } from '../../ecosystems/pypi/project-name.js';
import { PrefetchError } from '../client.js';
import type { Planner } from './planner.js';
import { warmAll } from './planner.js';

const JSON_PAGE = 'application/vnd.pypi.simple.v1+json';

interface PageFile {
  filename: string;
  url: string;
  hashes?: Record<string, string>;
  'core-metadata'?: unknown;
  'data-dist-info-metadata'?: unknown;
  yanked?: unknown;
}

/** The version in a wheel or sdist file name, normalized for comparison. */
function fileVersion(filename: string, project: string): string | null {
  const wheel = /^([^-]+)-([^-]+)-.*\.whl$/.exec(filename);
  if (wheel) return normalize(wheel[1] as string) === project ? (wheel[2] as string) : null;
  const sdist = /^(.*)-([^-]+)\.(tar\.gz|zip|tar\.bz2)$/.exec(filename);
  return sdist && normalize(sdist[1] as string) === project ? (sdist[2] as string) : null;
}

export const pypiPlanner: Planner = async (w, ctx) => {
  const project = normalize(w.name);
  const page = await ctx.client.read(`${ctx.base}/simple/${project}/`, JSON_PAGE);
  const files = (JSON.parse(page.body.toString()) as { files?: PageFile[] }).files ?? [];
  const pinned = new Set((w.hashes ?? []).map((h) => h.replace(/^sha256:/, '')));
  const mine = files.filter((f) => {
    const v = fileVersion(f.filename, project);
    if (v === null || v.toLowerCase() !== w.version.toLowerCase()) return false;
    return pinned.size === 0 || pinned.has(f.hashes?.['sha256'] ?? '');
  });
  if (mine.length === 0) {
    throw new PrefetchError(
      `${w.name}==${w.version}: no file of that version${pinned.size ? ' with a pinned hash' : ''} on the index`,
    );
  }
  const urls = mine.flatMap((f) => {
    const url = new URL(f.url, `${ctx.base}/simple/${project}/`).href;
    const metadata = f['core-metadata'] ?? f['data-dist-info-metadata'];
    return metadata ? [url, `${url.replace(/#.*$/, '')}.metadata`] : [url];
  });
  const w1 = await warmAll(ctx, urls);
  return { ...w1, files: w1.files + 1 };
};
