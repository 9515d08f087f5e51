// PEP 691 pages: parsed with the streaming JSON scanner one file (or project) at a time, and
// written anew for clients. A file object keeps every key the upstream sent (`hashes`,
// `requires-python`, `yanked`, PEP 700 `size` and `upload-time`, `provenance`, …) with only
// `url` changed; `dist-info-metadata` stays exactly as sent, and `core-metadata` is added when
// only the older key was given. Top-level members (`meta`, `name`, `versions`, …) pass through.
import type { Transform } from '../../derive/derived-origin.js';
import { JsonScanner } from '../../derive/json-scan.js';
import { TroveError } from '../../errors.js';
import type { FileLink, IndexFile, PageEvent, PageSink } from './simple-model.js';
import type { PageKind } from './simple-html.js';

function listKey(kind: PageKind): string {
  return kind === 'root' ? 'projects' : 'files';
}

function fileOf(raw: Buffer, pageUrl: string): IndexFile | null {
  const v: unknown = JSON.parse(raw.toString('utf8'));
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const { filename, url } = o;
  if (typeof filename !== 'string' || filename === '' || typeof url !== 'string') return null;
  let abs: URL;
  try {
    abs = new URL(url, pageUrl);
  } catch {
    return null;
  }
  abs.hash = '';
  const hashes: Record<string, string> = {};
  if (o['hashes'] && typeof o['hashes'] === 'object') {
    for (const [k, h] of Object.entries(o['hashes'] as Record<string, unknown>)) {
      if (typeof h === 'string') hashes[k.toLowerCase()] = h.toLowerCase();
    }
  }
  return { filename, json: { ...o, url: abs.href, hashes } };
}

/** Parses a JSON page of the given kind, resolving file URLs against `pageUrl`. */
export function parseJson(kind: PageKind, pageUrl: string, sink: PageSink): Transform {
  const list = listKey(kind);
  const scanner = new JsonScanner({
    descend: () => false,
    elements: (p) => p.length === 1 && p[0] === list,
    capture: (p) => p.length === 2 || p[0] !== list,
    onMember(m) {
      if (!m.raw) return;
      const [top] = m.path;
      if (m.path.length === 1) {
        if (top === list) return;
        if (top === 'meta') {
          const meta = JSON.parse(m.raw.toString('utf8')) as Record<string, unknown> | null;
          const v = meta?.['api-version'];
          if (typeof v === 'string') sink.event({ kind: 'api-version', version: v });
        }
        sink.event({ kind: 'member', key: top as string, raw: m.raw });
        return;
      }
      if (kind === 'root') {
        const p = JSON.parse(m.raw.toString('utf8')) as { name?: unknown } | null;
        if (typeof p?.name === 'string') sink.event({ kind: 'project', name: p.name });
        return;
      }
      const file = fileOf(m.raw, pageUrl);
      if (file) sink.event({ kind: 'file', file });
    },
  });
  let first = true;
  return {
    write(chunk) {
      if (first && chunk.length > 0) {
        first = false;
        if (chunk.toString('latin1').trimStart()[0] !== '{') {
          throw new TroveError('TROVE_ERR_UPSTREAM_BODY', 'the index page is not a JSON object');
        }
      }
      scanner.push(chunk);
    },
    end() {
      scanner.end();
      sink.end();
    },
  };
}

/** The file object clients get: the upstream's, with Trove's URL. */
function fileJson(file: IndexFile, link: FileLink): Record<string, unknown> {
  const out: Record<string, unknown> = { ...file.json, url: link(file) };
  if (out['core-metadata'] === undefined && out['dist-info-metadata'] !== undefined) {
    out['core-metadata'] = out['dist-info-metadata'];
  }
  return out;
}

/** Writes a PEP 691 page for `project` (or the root index when null). */
export function renderJson(
  project: string | null,
  link: FileLink,
  emit: (b: Buffer) => void,
): PageSink {
  const text = (s: string): void => emit(Buffer.from(s));
  const members = new Map<string, Buffer>();
  let n = 0;
  text(`{${JSON.stringify(project === null ? 'projects' : 'files')}:[`);
  return {
    event(e: PageEvent) {
      if (e.kind === 'file') {
        text(`${n++ === 0 ? '' : ','}\n${JSON.stringify(fileJson(e.file, link))}`);
      } else if (e.kind === 'project') {
        text(`${n++ === 0 ? '' : ','}\n${JSON.stringify({ name: e.name })}`);
      } else if (e.kind === 'member') {
        members.set(e.key, e.raw);
      }
    },
    end() {
      text('\n]');
      // A page converted from HTML says what it can: PEP 700's `size` is not in HTML.
      if (!members.has('meta')) text(`,"meta":{"api-version":"1.0"}`);
      if (project !== null && !members.has('name')) text(`,"name":${JSON.stringify(project)}`);
      for (const [k, raw] of members) {
        text(`,${JSON.stringify(k)}:`);
        emit(raw);
      }
      text('}\n');
    },
  };
}
