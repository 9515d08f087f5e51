// go.sum (every module version of the build graph; `/go.mod` lines need only the .mod file)
// and go.mod (its require lines).
import type { Parsed, Wanted } from '../wanted.js';

export function parseGoSum(text: string, file: string): Parsed {
  const full = new Set<string>();
  const modOnly = new Map<string, Wanted>();
  const wanted: Wanted[] = [];
  text.split('\n').forEach((line, i) => {
    const [mod, ver] = line.trim().split(/\s+/);
    if (!mod || !ver) return;
    const from = `${file}:${i + 1}`;
    if (ver.endsWith('/go.mod')) {
      const version = ver.slice(0, -'/go.mod'.length);
      const w: Wanted = { ecosystem: 'go', name: mod, version, from, only: 'mod' };
      if (!modOnly.has(`${mod}@${version}`)) modOnly.set(`${mod}@${version}`, w);
    } else if (!full.has(`${mod}@${ver}`)) {
      full.add(`${mod}@${ver}`);
      wanted.push({ ecosystem: 'go', name: mod, version: ver, from });
    }
  });
  for (const [key, w] of modOnly) if (!full.has(key)) wanted.push(w);
  return { wanted, unusable: [] };
}

export function parseGoMod(text: string, file: string): Parsed {
  const wanted: Wanted[] = [];
  let block = false;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (block && line === ')') block = false;
    else if (/^require\s*\($/.test(line)) block = true;
    else {
      const m = block ? /^(\S+)\s+(\S+)$/.exec(line) : /^require\s+(\S+)\s+(\S+)$/.exec(line);
      if (m) {
        wanted.push({
          ecosystem: 'go',
          name: m[1] as string,
          version: m[2] as string,
          from: `${file}:${i + 1}`,
        });
      }
    }
  });
  return { wanted, unusable: [] };
}
