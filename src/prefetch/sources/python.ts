// requirements.txt: `name==version` pins, with `--hash=sha256:…` options (pip's hash-checking
// mode), continuation lines and environment markers. Ranges cannot be prefetched exactly.
import type { Parsed, Wanted } from '../wanted.js';

export function parseRequirements(text: string, file: string): Parsed {
  const wanted: Wanted[] = [];
  const unusable: Parsed['unusable'] = [];
  // Join continuation lines, remembering where each logical line started.
  const lines: Array<{ text: string; line: number }> = [];
  let acc = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    if (acc === '') start = i + 1;
    const t = raw.replace(/(^|\s)#.*$/, '');
    if (t.trimEnd().endsWith('\\')) acc += `${t.trimEnd().slice(0, -1)} `;
    else {
      lines.push({ text: acc + t, line: start });
      acc = '';
    }
  });
  for (const { text: l, line } of lines) {
    const t = l.trim();
    if (!t || t.startsWith('-')) continue; // options: -r, -c, -i, --index-url, -e …
    const from = `${file}:${line}`;
    const spec = (t.split(/\s+--/)[0] as string).split(';')[0]?.trim() ?? '';
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([^\s,;]+)$/.exec(spec);
    if (!m) {
      unusable.push({
        what: spec,
        from,
        reason: 'not pinned with == (a range has no single version)',
      });
      continue;
    }
    const hashes = [...t.matchAll(/--hash[=\s]+(sha256):([0-9a-f]{64})/gi)].map(
      (h) => `sha256:${(h[2] as string).toLowerCase()}`,
    );
    const w: Wanted = { ecosystem: 'pypi', name: m[1] as string, version: m[2] as string, from };
    if (hashes.length) w.hashes = hashes;
    wanted.push(w);
  }
  return { wanted, unusable };
}
