// docs/configuration.md is checked against the schema: every key has a row, and every
// instance type's defaults are the ones its section (or the shared sections) documents.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildSchema } from '../../src/config/schema.js';
import { defaultRegistry } from '../../src/ecosystems/registry.js';

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

function unwrap(t: z.ZodTypeAny): z.ZodTypeAny {
  for (let i = 0; i < 10; i++) {
    if (t instanceof z.ZodEffects) t = t._def.schema as z.ZodTypeAny;
    else if (t instanceof z.ZodDefault) t = t._def.innerType as z.ZodTypeAny;
    else if (t instanceof z.ZodOptional) t = t.unwrap() as z.ZodTypeAny;
    else return t;
  }
  return t;
}

/** Key paths down to leaves; records and instance bodies stop at their own level. */
function keys(t: z.ZodTypeAny, prefix: string, depth: number): string[] {
  const u = unwrap(t);
  if (!(u instanceof z.ZodObject) || depth === 0) return [prefix];
  return Object.entries(u.shape as Record<string, z.ZodTypeAny>).flatMap(([k, v]) =>
    keys(v, prefix ? `${prefix}.${k}` : k, depth - 1),
  );
}

describe('docs/configuration.md', () => {
  const registry = defaultRegistry();
  const top = keys(buildSchema(registry), '', 3);
  const instance = registry.all().flatMap((t) => keys(t.schema, 'instances.<name>', 1));

  for (const key of [...top, ...instance]) {
    it(`documents ${key}`, () => {
      expect(doc).toMatch(
        new RegExp(`\\|\\s*\`${key.replace(/[.<>]/g, (c) => `\\${c}`)}\`\\s*\\|`),
      );
    });
  }
});

/** The table rows of a markdown section: key → default cell, without code marks. */
function rows(section: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of section.matchAll(/^\|\s*`instances\.<name>\.([a-z_]+)`\s*\|\s*([^|]*?)\s*\|/gm)) {
    out.set(m[1] as string, (m[2] as string).replace(/^`(.*)`$/, '$1'));
  }
  return out;
}

/** The text of `## <title>` up to the next `## ` heading. */
function section(title: string): string {
  const at = doc.indexOf(`\n## ${title}\n`);
  if (at === -1) return '';
  const next = doc.indexOf('\n## ', at + 4);
  return doc.slice(at, next === -1 ? undefined : next);
}

/** A schema default shown as the docs show it, or undefined when it is not a plain value. */
function shown(t: z.ZodTypeAny): string | undefined {
  for (let i = 0; i < 10; i++) {
    if (t instanceof z.ZodDefault) {
      const v: unknown = t._def.defaultValue();
      return ['string', 'number', 'boolean'].includes(typeof v) ? String(v) : undefined;
    }
    if (t instanceof z.ZodEffects) t = t._def.schema as z.ZodTypeAny;
    else return undefined;
  }
  return undefined;
}

describe('documented defaults', () => {
  it('match the schema for every instance type', () => {
    const shared = new Map([
      ...rows(section('Every instance')),
      ...rows(section('Cache policy (every instance)')),
    ]);
    const wrong: string[] = [];
    for (const t of defaultRegistry().all()) {
      const own = rows(section(`\`${t.type}\` instances`));
      const shape = (unwrap(t.schema) as z.ZodObject<z.ZodRawShape>).shape as Record<
        string,
        z.ZodTypeAny
      >;
      for (const [key, schema] of Object.entries(shape)) {
        const value = shown(schema);
        if (value === undefined) continue;
        const documented = own.get(key) ?? shared.get(key);
        if (documented !== value)
          wrong.push(`${t.type}.${key}: schema ${value}, docs ${documented}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
