// Outbound proxies and DNS, really used: each fixture records what it was asked, and the
// upstream is named by a host name only the fixtures know.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bypassesProxy } from '../../src/upstream/network/dispatcher.js';
import { get } from '../helpers/client.js';
import { FakeUpstream, stopAfterEach } from '../helpers/fake-upstream.js';
import {
  selfSignedCert,
  startConnectProxy,
  startDns,
  startDoq,
  startSocks5,
  type DnsFixture,
} from '../helpers/net-fixtures.js';
import { requireTools } from '../helpers/tools.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

const NAME = 'origin.trove.test';
const NAMES = { [NAME]: '127.0.0.1' };
const enabled = requireTools('openssl');

describe.skipIf(!enabled)('outbound network', () => {
  let trove: TestTrove | undefined;
  stopAfterEach(() => [trove]);
  let origin: FakeUpstream;
  let tlsOrigin: Server;
  let tlsPort = 0;
  let dns: DnsFixture;
  let caFile: string;

  beforeAll(async () => {
    origin = await new FakeUpstream().start();
    origin.file('/hello.txt', 'hello through the network');
    const cert = selfSignedCert([NAME]);
    caFile = join(mkdtempSync(join(tmpdir(), 'trove-ca-')), 'ca.pem');
    writeFileSync(caFile, cert.cert);
    tlsOrigin = createHttpsServer(cert, (_req, res) => res.writeHead(200).end('hello over tls'));
    await new Promise<void>((r) => tlsOrigin.listen(0, '127.0.0.1', r));
    tlsPort = (tlsOrigin.address() as AddressInfo).port;
    dns = await startDns(NAMES, cert);
  });
  afterAll(async () => {
    await origin.stop();
    tlsOrigin.closeAllConnections();
    await new Promise((r) => tlsOrigin.close(r));
    await dns.stop();
  });

  const port = (): string => new URL(origin.url).port;
  const byName = (): string => `http://${NAME}:${port()}/`;
  const fetchHello = async (upstream: Record<string, unknown>, base = byName()) => {
    trove = await startTrove({ ...fileInstance(base), upstream });
    return get(`${trove.url}/files/hello.txt`);
  };

  it('socks5h: the proxy resolves the name', async () => {
    const socks = await startSocks5(NAMES);
    try {
      const r = await fetchHello({ proxy: socks.url.replace('socks5:', 'socks5h:') });
      expect([r.status, r.body.toString()]).toEqual([200, 'hello through the network']);
      expect(socks.targets).toEqual([`${NAME}:${port()}`]);
    } finally {
      await socks.stop();
    }
  });

  it('socks5 with credentials: Trove resolves the name with its own DNS server', async () => {
    const socks = await startSocks5(NAMES, { user: 'u', pass: 's3cret' });
    try {
      const before = dns.queries.length;
      const proxy = socks.url.replace('socks5://', 'socks5://u:s3cret@');
      const r = await fetchHello({ proxy, dns: dns.udp });
      expect(r.status).toBe(200);
      expect(socks.targets).toEqual([`127.0.0.1:${port()}`]);
      expect(dns.queries.slice(before)).toContain(`udp A ${NAME}`);
    } finally {
      await socks.stop();
    }
  });

  it('an HTTP proxy tunnels with CONNECT, also to an https upstream trusted through ca_file', async () => {
    const proxy = await startConnectProxy(NAMES);
    try {
      const r = await fetchHello({ proxy: proxy.url });
      expect(r.status).toBe(200);
      await trove?.stop();
      const tls = await fetchHello(
        { proxy: proxy.url, ca_file: caFile },
        `https://${NAME}:${tlsPort}/`,
      );
      expect([tls.status, tls.body.toString()]).toEqual([200, 'hello over tls']);
      expect(proxy.targets).toEqual([`${NAME}:${port()}`, `${NAME}:${tlsPort}`]);
    } finally {
      await proxy.stop();
    }
  });

  it('TLS to the origin through a SOCKS tunnel is verified against ca_file', async () => {
    const socks = await startSocks5(NAMES);
    try {
      const base = `https://${NAME}:${tlsPort}/`;
      const untrusted = await fetchHello({ proxy: socks.url.replace('socks5:', 'socks5h:') }, base);
      expect(untrusted.status).toBe(502);
      await trove?.stop();
      const trusted = await fetchHello(
        { proxy: socks.url.replace('socks5:', 'socks5h:'), ca_file: caFile },
        base,
      );
      expect([trusted.status, trusted.body.toString()]).toEqual([200, 'hello over tls']);
    } finally {
      await socks.stop();
    }
  });

  it('no_proxy hosts go direct', async () => {
    const proxy = await startConnectProxy(NAMES);
    try {
      const r = await fetchHello({ proxy: proxy.url, no_proxy: '127.0.0.1' }, origin.url);
      expect(r.status).toBe(200);
      expect(proxy.targets).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });

  for (const transport of ['udp', 'tls', 'https', 'httpsJson'] as const) {
    it(`resolves upstream names with DNS over ${transport}`, async () => {
      const before = dns.queries.length;
      const r = await fetchHello({ dns: dns[transport], ca_file: caFile });
      expect(r.status).toBe(200);
      const label = { udp: 'udp', tls: 'tls', https: 'https', httpsJson: 'https-json' }[transport];
      expect(dns.queries.slice(before)).toContain(`${label} A ${NAME}`);
    });
  }

  it('resolves upstream names with DNS over QUIC, A and AAAA on one connection', async () => {
    const doq = await startDoq(NAMES);
    const dir = mkdtempSync(join(tmpdir(), 'trove-ca-'));
    const both = join(dir, 'ca.pem');
    writeFileSync(both, `${readFileSync(caFile, 'utf8')}${doq.cert}`);
    try {
      const r = await fetchHello({ dns: doq.url, ca_file: both });
      expect([r.status, r.body.toString()]).toEqual([200, 'hello through the network']);
      expect(doq.queries).toContain(`quic A ${NAME}`);
      expect(doq.queries).toContain(`quic AAAA ${NAME}`);
      expect(doq.connections()).toBe(1);
      // A server whose certificate is not trusted is refused: the name is not resolved.
      await trove?.stop();
      trove = await startTrove({
        ...fileInstance(byName()),
        upstream: { dns: doq.url, ca_file: caFile },
      });
      const refused = await get(`${trove.url}/files/hello.txt`);
      expect(refused.status).toBe(502);
    } finally {
      await doq.stop();
    }
  });

  it('a name the DNS server does not know is an upstream connect error (502), not a 404', async () => {
    trove = await startTrove({
      ...fileInstance(`http://nowhere.trove.test:${port()}/`),
      upstream: { dns: dns.udp },
    });
    const r = await get(`${trove.url}/files/hello.txt`);
    expect(r.status).toBe(502);
    expect(r.body.toString()).toMatch(/ENOTFOUND/);
  });
});

describe('no_proxy matching', () => {
  it('matches names, suffixes, IPs and *', () => {
    expect(bypassesProxy('a.internal', ['.internal'])).toBe(true);
    expect(bypassesProxy('internal', ['.internal'])).toBe(true);
    expect(bypassesProxy('xinternal', ['internal'])).toBe(false);
    expect(bypassesProxy('git.corp.example', ['corp.example:443'])).toBe(true);
    expect(bypassesProxy('::1', ['[::1]'])).toBe(true);
    expect(bypassesProxy('anything', ['*'])).toBe(true);
    expect(bypassesProxy('proxy.golang.org', ['localhost', '127.0.0.1'])).toBe(false);
  });
});
