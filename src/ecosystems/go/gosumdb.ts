// GOSUMDB, as the go command reads it (go.dev/ref/mod#environment-variables): `off`; a known
// database name (`sum.golang.org`, or `sum.golang.google.cn`, which serves the same database
// under another URL); or a verifier key `<name>+<hash>+<key>`, optionally followed by the
// database's URL (`https://<name>` when absent).

export interface SumdbEntry {
  name: string;
  url: string;
  key: string;
}

export type GoSumdb = { off: true } | { off: false; db: SumdbEntry };

/** What a GOSUMDB value means (`sumGolangOrg`: the public database), or why it is unusable. */
export function parseGoSumdb(value: string, sumGolangOrg: SumdbEntry): GoSumdb | string {
  const v = value.trim();
  if (v === 'off') return { off: true };
  const [first, url, ...rest] = v.split(/\s+/);
  if (!first || rest.length) return 'want off, a database name, or "<name>+<hash>+<key> [url]"';
  if (url !== undefined && !/^https?:\/\/\S+$/.test(url)) return `"${url}" is not an http(s) URL`;
  if (first === 'sum.golang.org' || first === 'sum.golang.google.cn') {
    return { off: false, db: { ...sumGolangOrg, url: url ?? `https://${first}` } };
  }
  if (!first.includes('+')) {
    return `no key is known for the checksum database "${first}": give "<name>+<hash>+<key> [url]"`;
  }
  const name = first.slice(0, first.indexOf('+'));
  return { off: false, db: { name, key: first, url: url ?? `https://${name}` } };
}
