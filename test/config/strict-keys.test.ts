// No configuration key is silently ignored: a typo (`upstream:` for `upstreams:` in a go
// instance would quietly fall back to proxy.golang.org) is an error naming the key, in every
// top-level section, every nested mapping and every instance type.
import { stringify } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { configProblems } from '../helpers/config-problems.js';
import { buildSchema } from '../../src/config/schema.js';
import { defaultRegistry } from '../../src/ecosystems/registry.js';

const registry = defaultRegistry();

const problems = (config: Record<string, unknown>): string[] => configProblems(stringify(config));

/** The smallest valid instance of each type. */
const minimal: Record<string, Record<string, unknown>> = {
  file: { type: 'file', upstreams: ['https://files.example.com/'] },
  go: { type: 'go' },
  oci: { type: 'oci' },
  npm: { type: 'npm', upstreams: ['https://npm.example.com/'] },
  pypi: { type: 'pypi' },
  cargo: { type: 'cargo' },
  maven: { type: 'maven' },
  deb: { type: 'deb', upstreams: ['https://deb.example/debian/'] },
  rpm: { type: 'rpm', upstreams: ['https://rpm.example/fedora/'] },
  pacman: { type: 'pacman', upstreams: ['https://arch.example/'] },
  apk: { type: 'apk', upstreams: ['https://alpine.example/alpine/'] },
};

/** Nested mappings of each instance type, with a valid value to put the typo in. */
const nested: Record<string, Array<[string, Record<string, unknown>]>> = {
  file: [['upstreams', { upstreams: [{ url: 'https://x.example/', typo: 1 }] }]],
  go: [
    ['direct', { direct: { typo: 1 } }],
    ['direct.repos[0]', { direct: { repos: [{ prefix: 'example.com', typo: 1 }] } }],
  ],
  npm: [['scopes', { scopes: { '@corp': { upstreams: ['https://corp.example/'], typo: 1 } } }]],
  pypi: [
    [
      'extra[0]',
      { extra: [{ upstreams: ['https://corp.example/simple/'], projects: ['corp-*'], typo: 1 }] },
    ],
  ],
  cargo: [['upstreams[0]', { upstreams: [{ url: 'https://index.example/', typo: 1 }] }]],
  maven: [['rules[0]', { rules: [{ match: '**/*.jar', policy: 'immutable', typo: 1 }] }]],
  oci: [['registries', { registries: { 'reg.example': { url: 'https://reg.example', typo: 1 } } }]],
};

describe('unknown keys', () => {
  it('every registered type has a minimal instance here', () => {
    expect(Object.keys(minimal).sort()).toEqual(
      registry
        .all()
        .map((t) => t.type)
        .sort(),
    );
    for (const [type, inst] of Object.entries(minimal)) {
      expect(problems({ instances: { x: inst } }), type).toEqual([]);
    }
  });

  for (const [type, inst] of Object.entries(minimal)) {
    it(`a ${type} instance refuses a typo for upstreams`, () => {
      expect(problems({ instances: { x: { ...inst, upstream: 'https://typo.example' } } })).toEqual(
        ['FILE: instances.x: unknown key "upstream"'],
      );
    });
    for (const [where, extra] of nested[type] ?? []) {
      it(`a ${type} instance refuses unknown keys in ${where}`, () => {
        const got = problems({ instances: { x: { ...inst, ...extra } } });
        expect(got).toHaveLength(1);
        expect(got[0]).toMatch(/^FILE: instances\.x\..*unknown key "typo"$/);
      });
    }
  }

  const sections: Array<[string, Record<string, unknown>]> = [
    ['top level', { typo: 1 }],
    ['server', { server: { typo: 1 } }],
    ['storage', { storage: { typo: 1 } }],
    ['storage.index', { storage: { index: { driver: 'sqlite', typo: 1 } } }],
    ['storage.memory', { storage: { memory: { typo: 1 } } }],
    ['storage.scrub', { storage: { scrub: { typo: 1 } } }],
    ['upstream', { upstream: { typo: 1 } }],
    ['log', { log: { typo: 1 } }],
    ['metrics', { metrics: { typo: 1 } }],
  ];
  for (const [where, config] of sections) {
    it(`refuses unknown keys in ${where}`, () => {
      const at = where === 'top level' ? '(top level)' : where;
      expect(problems(config)).toEqual([`FILE: ${at}: unknown key "typo"`]);
    });
  }

  it('every mapping in every schema is strict', () => {
    const loose: string[] = [];
    const seen = new Set<z.ZodTypeAny>();
    const walk = (t: z.ZodTypeAny, path: string): void => {
      if (seen.has(t)) return;
      seen.add(t);
      const def = t._def as Record<string, unknown>;
      if (t instanceof z.ZodObject) {
        if (def['unknownKeys'] !== 'strict') loose.push(path || '(top level)');
        for (const [k, v] of Object.entries(t.shape as Record<string, z.ZodTypeAny>)) {
          walk(v, path ? `${path}.${k}` : k);
        }
        return;
      }
      for (const key of [
        'schema',
        'innerType',
        'type',
        'valueType',
        'left',
        'right',
        'in',
        'out',
      ]) {
        const inner = def[key];
        if (inner instanceof z.ZodType) walk(inner, path);
      }
      for (const key of ['options']) {
        const list = def[key];
        if (Array.isArray(list)) for (const o of list) if (o instanceof z.ZodType) walk(o, path);
      }
    };
    walk(buildSchema(registry), '');
    for (const t of registry.all()) walk(t.schema, `instances.<${t.type}>`);
    expect(loose).toEqual([]);
  });
});
