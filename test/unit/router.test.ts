import { describe, expect, it } from 'vitest';
import { Router, hostname } from '../../src/server/router.js';

const m = (name: string, prefix: string, hosts: string[] = []) => ({ name, prefix, hosts });

describe('router', () => {
  const r = new Router([
    m('root', ''),
    m('a', '/a'),
    m('ab', '/a/b'),
    m('h', '/a', ['*.example.test']),
  ]);

  it('prefers host matches, then the longest prefix on segment boundaries', () => {
    expect(r.match('x.example.test', '/a/b/c')?.mount.name).toBe('h');
    expect(r.match('other', '/a/b/c')).toMatchObject({ mount: { name: 'ab' }, rest: '/c' });
    expect(r.match('other', '/a/bc')).toMatchObject({ mount: { name: 'a' }, rest: '/bc' });
    expect(r.match('other', '/ab')).toMatchObject({ mount: { name: 'root' }, rest: '/ab' });
    expect(r.match(undefined, '/a')).toMatchObject({ mount: { name: 'a' }, rest: '/' });
    expect(r.match('x.example.test', '/elsewhere')).toBeUndefined();
  });

  it('parses Host headers with ports and IPv6', () => {
    expect(hostname('Example.TEST:8080')).toBe('example.test');
    expect(hostname('[::1]:12345')).toBe('[::1]');
    expect(hostname(undefined)).toBe('');
  });
});
