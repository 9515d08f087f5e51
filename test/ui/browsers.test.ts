// How each ecosystem shows its cache keys in the web UI, and which key range a search is.
import { describe, expect, it } from 'vitest';
import { cargoBrowser } from '../../src/ecosystems/cargo/cargo-browse.js';
import { goBrowser } from '../../src/ecosystems/go/go-browse.js';
import { mavenBrowser } from '../../src/ecosystems/maven/maven-browse.js';
import { npmBrowser } from '../../src/ecosystems/npm/npm-browse.js';
import { ociBrowser } from '../../src/ecosystems/oci/oci-browse.js';
import { pypiBrowser } from '../../src/ecosystems/pypi/pypi-browse.js';
import { parsePrometheus, sumBy } from '../../src/ui/prom-text.js';
import { pathBrowser } from '../../src/ui/entry-browser.js';
import { either, tokenCheck } from '../../src/ui/ui-auth.js';

const sha = 'a'.repeat(64);

describe('entry browsers', () => {
  it('go: module paths escaped both ways', () => {
    expect(goBrowser.prefix('github.com/Azure/sdk')).toBe('github.com/!azure/sdk');
    expect(goBrowser.label('github.com/!azure/sdk/@v/v1.2.0-!r!c1.zip')).toEqual({
      name: 'github.com/Azure/sdk',
      version: 'v1.2.0-RC1',
      kind: 'zip',
    });
    expect(goBrowser.label('example.com/a/@v/list')).toEqual({
      name: 'example.com/a',
      version: '',
      kind: 'list',
    });
    expect(goBrowser.label('sumdb/sum.golang.org/lookup/x@v1')?.kind).toBe('sumdb');
  });

  it('npm: tarballs of plain and scoped packages; packuments left out', () => {
    expect(npmBrowser.prefix('@babel/')).toBe('tgz/@babel/');
    expect(npmBrowser.label('tgz/@babel/core/core-7.23.0.tgz')).toEqual({
      name: '@babel/core',
      version: '7.23.0',
      kind: 'tarball',
    });
    expect(npmBrowser.label('tgz/left-pad/left-pad-1.3.0-beta.1.tgz')?.version).toBe(
      '1.3.0-beta.1',
    );
    expect(npmBrowser.label('doc/left-pad/full/abc')).toBeNull();
  });

  it('pypi: files by normalized project, wheel or sdist', () => {
    expect(pypiBrowser.prefix('Zope.Interface')).toBe('file/zope-interface');
    expect(
      pypiBrowser.label(
        `file/zope-interface/${sha}/zope.interface-6.1-cp311-cp311-manylinux_2_17_x86_64.whl`,
      ),
    ).toEqual({ name: 'zope-interface', version: '6.1', kind: 'wheel' });
    expect(pypiBrowser.label(`file/six/${sha}/six-1.16.0.tar.gz`)).toEqual({
      name: 'six',
      version: '1.16.0',
      kind: 'sdist',
    });
    expect(pypiBrowser.label(`meta/six/${sha}/six-1.16.0-py2.py3-none-any.whl`)).toBeNull();
  });

  it('cargo, maven and oci', () => {
    expect(cargoBrowser.prefix('Serde')).toBe('crate/serde');
    expect(cargoBrowser.label('crate/serde/1.0.190')).toEqual({
      name: 'serde',
      version: '1.0.190',
      kind: 'crate',
    });
    expect(cargoBrowser.label('index/serde')).toBeNull();
    expect(mavenBrowser.prefix('org.apache.commons:commons-lang3')).toBe(
      'f/org/apache/commons/commons-lang3',
    );
    expect(mavenBrowser.prefix('org.apache')).toBe('f/org/apache');
    expect(
      mavenBrowser.label('f/org/apache/commons/commons-lang3/3.14.0/commons-lang3-3.14.0.jar'),
    ).toEqual({ name: 'org.apache.commons:commons-lang3', version: '3.14.0', kind: 'jar' });
    expect(mavenBrowser.label('s/org/x/1/x-1.jar.sha1')).toBeNull();
    expect(ociBrowser.prefix('alpine')).toBe('docker.io/library/alpine');
    expect(ociBrowser.prefix('team/app')).toBe('docker.io/team/app');
    expect(ociBrowser.prefix('ghcr.io/o/i')).toBe('ghcr.io/o/i');
    expect(
      ociBrowser.label(
        'docker.io/library/alpine/manifests/3.20#application/vnd.oci.image.index.v1+json',
      ),
    ).toEqual({ name: 'docker.io/library/alpine', version: '3.20', kind: 'manifest' });
    expect(ociBrowser.label(`ghcr.io/o/i/blobs/sha256:${sha}`)).toEqual({
      name: 'ghcr.io/o/i',
      version: `sha256:${sha}`,
      kind: 'blob',
    });
    expect(ociBrowser.label('docker.io/library/alpine/tags/list?n=10')).toBeNull();
    expect(pathBrowser.prefix('/pool/main/')).toBe('pool/main/');
    expect(pathBrowser.label('pool/main/c/curl/curl_7.88.deb')).toEqual({
      name: 'pool/main/c/curl/curl_7.88.deb',
      version: '',
      kind: 'deb',
    });
  });
});

describe('UI helpers', () => {
  it('sums Prometheus samples by a label, escapes and all', () => {
    const text = [
      '# HELP x y',
      'trove_served_bytes_total{instance="go",result="HIT"} 10',
      'trove_served_bytes_total{instance="go",result="MISS"} 5',
      'trove_served_bytes_total{instance="a\\"b",result="HIT"} 1e3',
      'trove_fills_in_flight{instance="go"} 2',
    ].join('\n');
    const sums = sumBy(parsePrometheus(text), 'trove_served_bytes_total', 'instance');
    expect([...sums]).toEqual([
      ['go', 15],
      ['a"b', 1000],
    ]);
  });

  it('takes the admin token as a bearer token or any Basic password, nothing else', async () => {
    const check = tokenCheck('s3cret');
    const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;
    expect(await check('Bearer s3cret', '')).toBe(true);
    expect(await check(basic('anyone:s3cret'), '')).toBe(true);
    expect(await check(basic('anyone:s3cre'), '')).toBe(false);
    expect(await check('Bearer s3cretX', '')).toBe(false);
    expect(await check(undefined, '')).toBe(false);
    expect(either(null, null)).toBeNull();
    const both = either(async () => false, check);
    expect(await both?.('Bearer s3cret', '')).toBe(true);
  });
});
