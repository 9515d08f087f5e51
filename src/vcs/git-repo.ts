// What the Go ecosystem (and later the git ecosystem) may ask of a remote git repository.
import type { FileView, Ref } from './git-mirror.js';

export interface GitRepo {
  refs(): Promise<{ tags: Ref[]; branches: Ref[]; head: string | null }>;
  resolve(rev: string): Promise<string | null>;
  commitTime(hash: string): Promise<number>;
  mergedTags(hash: string): Promise<string[]>;
  tagsAt(hash: string): Promise<string[]>;
  readFile(hash: string, path: string, max: number): Promise<Buffer | null>;
  archive(hash: string, subdir: string, max: number): Promise<FileView>;
}
