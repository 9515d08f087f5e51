// The pacman repository format for the shared machinery. A root is `<dir>/<repo>` (the
// repository `core` in `core/os/x86_64`): its database, the files database and their
// signatures, all in `<dir>`, are the top files of a generation; the database lists the
// packages, by file name in the same directory.
import type { RepoFormat } from '../../repos/repo-format.js';
import { looksLikeDb, readDb } from './pacman-db.js';

const dirOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const baseOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

export const topNames = (root: string): string[] => {
  const repo = baseOf(root);
  return [`${repo}.db`, `${repo}.db.sig`, `${repo}.files`, `${repo}.files.sig`];
};

export const pacmanFormat: RepoFormat = {
  topNames,

  parseTop(root, bodies) {
    const db = bodies.get(`${baseOf(root)}.db`);
    if (!db) return null;
    if (!looksLikeDb(db)) throw new Error(`${baseOf(root)}.db is not a pacman database`);
    const files = bodies.get(`${baseOf(root)}.files`);
    if (files && !looksLikeDb(files)) {
      throw new Error(`${baseOf(root)}.files is not a pacman database`);
    }
    return { files: new Map(), validUntil: null, date: null };
  },

  packageSource: (path) => (path.endsWith('.db') ? path : null),
  readPackages: readDb,
  archiveBases: (root) => [dirOf(root)],
  locate: (root, rel) => (dirOf(root) ? `${dirOf(root)}/${rel}` : rel),
  companion: (path) => (path.endsWith('.sig') ? path.slice(0, -'.sig'.length) : null),
};
