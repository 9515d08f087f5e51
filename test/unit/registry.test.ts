import { describe, expect, it } from 'vitest';
import { fileEcosystem } from '../../src/ecosystems/file/file-ecosystem.js';
import { EcosystemRegistry, defaultRegistry } from '../../src/ecosystems/registry.js';

describe('ecosystem registry', () => {
  it('refuses a second registration of the same type', () => {
    const r = new EcosystemRegistry().register(fileEcosystem);
    expect(() => r.register(fileEcosystem)).toThrow('ecosystem type "file" is already registered');
  });

  it('names unknown types', () => {
    expect(() => defaultRegistry().get('nope')).toThrow('unknown ecosystem type "nope"');
    expect(
      defaultRegistry()
        .all()
        .map((t) => t.type),
    ).toEqual([
      'file',
      'go',
      'oci',
      'npm',
      'pypi',
      'cargo',
      'maven',
      'deb',
      'rpm',
      'pacman',
      'apk',
    ]);
  });
});
