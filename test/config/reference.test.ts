// docs/configuration.md is checked against the schema: every key has a row.
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
