// Loopback network fixtures that record what they were asked: a SOCKS5 proxy, an HTTP CONNECT
// proxy, and a DNS server speaking UDP, DNS over TLS and DNS over HTTPS (wire and JSON), and one
// speaking DNS over QUIC. Names resolve through a fixed table, so tests can use host names that
// exist nowhere else.
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  request as httpRequest,
  type Server as HttpServer,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import dnsPacket from 'dns-packet';
import { framed } from '../../src/upstream/network/dns/wire.js';

export type NameTable = Record<string, string>;

/** A self-signed certificate for the given names (and 127.0.0.1), made with openssl. */
export function selfSignedCert(names: string[]): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'trove-cert-'));
  const san = [...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '2',
      '-subj',
      `/CN=${names[0] ?? 'localhost'}`,
      '-addext',
      `subjectAltName=${san}`,
    ],
    { stdio: 'ignore' },
  );
  return {
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
  };
}

function listenTcp(server: Server | HttpServer): Promise<number> {
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)),
  );
}

function closeServer(server: Server | HttpServer, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((r) => server.close(() => r()));
}

function track(server: Server | HttpServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

export interface ProxyFixture {
  url: string;
  /** "host:port" of every tunnel requested, as the client sent it. */
  targets: string[];
  stop(): Promise<void>;
}

/** A SOCKS5 proxy (RFC 1928; no auth, or RFC 1929 user/password when `auth` is given). */
export async function startSocks5(
  names: NameTable,
  auth?: { user: string; pass: string },
): Promise<ProxyFixture> {
  const targets: string[] = [];
  const server = createServer((client) => {
    client.once('data', (hello: Buffer) => {
      const methods = [...hello.subarray(2, 2 + (hello[1] ?? 0))];
      const want = auth ? 2 : 0;
      if (hello[0] !== 5 || !methods.includes(want)) return void client.end(Buffer.from([5, 0xff]));
      client.write(Buffer.from([5, want]));
      const request = (req: Buffer): void => {
        const atyp = req[3];
        let host: string;
        let at: number;
        if (atyp === 1) {
          host = [...req.subarray(4, 8)].join('.');
          at = 8;
        } else if (atyp === 3) {
          const len = req[4] ?? 0;
          host = req.subarray(5, 5 + len).toString();
          at = 5 + len;
        } else return void client.end(Buffer.from([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]));
        const port = req.readUInt16BE(at);
        targets.push(`${host}:${port}`);
        const upstream = connect(port, names[host] ?? host, () => {
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
          upstream.pipe(client).pipe(upstream);
        });
        upstream.on('error', () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])));
        client.on('error', () => upstream.destroy());
      };
      if (!auth) return void client.once('data', request);
      client.once('data', (cred: Buffer) => {
        const ulen = cred[1] ?? 0;
        const user = cred.subarray(2, 2 + ulen).toString();
        const plen = cred[2 + ulen] ?? 0;
        const pass = cred.subarray(3 + ulen, 3 + ulen + plen).toString();
        const ok = user === auth.user && pass === auth.pass;
        client.write(Buffer.from([1, ok ? 0 : 1]));
        if (ok) client.once('data', request);
        else client.end();
      });
    });
    client.on('error', () => undefined);
  });
  const sockets = track(server);
  const port = await listenTcp(server);
  return { url: `socks5://127.0.0.1:${port}`, targets, stop: () => closeServer(server, sockets) };
}

/**
 * An HTTP proxy: it tunnels (CONNECT, as undici and most clients use it for https), and forwards
 * plain absolute-form requests (`GET http://host:port/path`, as Go clients send for http URLs)
 * with their Host header kept, so names in `names` need no DNS.
 */
export async function startConnectProxy(names: NameTable): Promise<ProxyFixture> {
  const targets: string[] = [];
  const server = createHttpServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      return void res.writeHead(405).end();
    }
    targets.push(url.host);
    const forward = httpRequest(
      {
        host: names[url.hostname] ?? url.hostname,
        port: url.port || 80,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const authority = req.url ?? '';
    targets.push(authority);
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(authority);
    if (!m) return void client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    const upstream = connect(Number(m[2]), names[m[1] as string] ?? (m[1] as string), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });
  const sockets = track(server);
  const port = await listenTcp(server);
  return { url: `http://127.0.0.1:${port}`, targets, stop: () => closeServer(server, sockets) };
}

export interface DnsFixture {
  udp: string;
  tls: string;
  https: string;
  httpsJson: string;
  /** "<transport> <type> <name>" for every question received. */
  queries: string[];
  stop(): Promise<void>;
}

function answer(query: Buffer, names: NameTable, transport: string, log: string[]): Buffer {
  const q = dnsPacket.decode(query);
  const question = q.questions?.[0];
  const name = question?.name ?? '';
  log.push(`${transport} ${question?.type ?? '?'} ${name}`);
  const ip = names[name];
  const answers =
    ip && question?.type === 'A' ? [{ type: 'A' as const, name, ttl: 60, data: ip }] : [];
  return dnsPacket.encode({
    type: 'response',
    id: q.id ?? 0,
    flags:
      dnsPacket.RECURSION_DESIRED |
      dnsPacket.RECURSION_AVAILABLE |
      (ip || question?.type === 'AAAA' ? 0 : 3),
    questions: q.questions ?? [],
    answers,
  });
}

/** One DNS server on three transports, answering A records from `names` (NXDOMAIN otherwise). */
export async function startDns(
  names: NameTable,
  tlsCert: { key: string; cert: string },
): Promise<DnsFixture> {
  const queries: string[] = [];
  const udp: UdpSocket = createSocket('udp4');
  udp.on('message', (msg, rinfo) =>
    udp.send(answer(msg, names, 'udp', queries), rinfo.port, rinfo.address),
  );
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const dot = createTlsServer(tlsCert, (socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const reply = answer(buf.subarray(2, 2 + len), names, 'tls', queries);
        buf = buf.subarray(2 + len);
        const out = framed(reply);
        socket.write(out);
      }
    });
    socket.on('error', () => undefined);
  });
  const doh = createHttpsServer(tlsCert, (req, res) => {
    const u = new URL(req.url ?? '/', 'https://x');
    if (u.pathname === '/resolve') {
      const name = u.searchParams.get('name') ?? '';
      const type = u.searchParams.get('type') ?? 'A';
      queries.push(`https-json ${type} ${name}`);
      const ip = names[name];
      const body = JSON.stringify({
        Status: ip || type === 'AAAA' ? 0 : 3,
        Answer: ip && type === 'A' ? [{ name, type: 1, TTL: 60, data: ip }] : [],
      });
      return void res.writeHead(200, { 'content-type': 'application/dns-json' }).end(body);
    }
    const q = Buffer.from(u.searchParams.get('dns') ?? '', 'base64url');
    res
      .writeHead(200, { 'content-type': 'application/dns-message' })
      .end(answer(q, names, 'https', queries));
  });
  const tlsSockets = track(dot);
  const httpsSockets = track(doh);
  const tlsPort = await listenTcp(dot);
  const httpsPort = await listenTcp(doh);
  const udpPort = udp.address().port;
  return {
    udp: `udp://127.0.0.1:${udpPort}`,
    tls: `tls://127.0.0.1:${tlsPort}`,
    https: `https://127.0.0.1:${httpsPort}/dns-query`,
    httpsJson: `https+json://127.0.0.1:${httpsPort}/resolve`,
    queries,
    async stop() {
      udp.close();
      await closeServer(dot, tlsSockets);
      await closeServer(doh, httpsSockets);
    },
  };
}

export interface DoqFixture {
  /** `quic://localhost:<port>`. */
  url: string;
  /** The server's certificate, to trust as a CA. */
  cert: string;
  queries: string[];
  /** QUIC connections accepted so far. */
  connections(): number;
  stop(): Promise<void>;
}

/** A DNS over QUIC server (RFC 9250) on 127.0.0.1 for `localhost`, answering from `names`. */
export async function startDoq(names: NameTable): Promise<DoqFixture> {
  const { QUICServer, events } = await import('@matrixai/quic');
  const tls = selfSignedCert(['localhost']);
  const queries: string[] = [];
  const secret = randomBytes(32);
  const mac = (d: ArrayBuffer): Buffer =>
    createHmac('sha256', secret).update(Buffer.from(d)).digest();
  const silent = { info() {}, warn() {}, error() {}, debug() {}, getChild: () => silent };
  const server = new QUICServer({
    crypto: {
      key: secret.buffer as ArrayBuffer,
      ops: {
        sign: async (_k: ArrayBuffer, d: ArrayBuffer) => mac(d).buffer as ArrayBuffer,
        verify: async (_k: ArrayBuffer, d: ArrayBuffer, s: ArrayBuffer) =>
          mac(d).equals(Buffer.from(s)),
      },
    },
    config: { key: tls.key, cert: tls.cert, verifyPeer: false, applicationProtos: ['doq'] },
    logger: silent as never,
  });
  let connections = 0;
  server.addEventListener(events.EventQUICServerConnection.name, (ev: Event) => {
    connections++;
    const conn = (ev as InstanceType<typeof events.EventQUICServerConnection>).detail;
    conn.addEventListener(events.EventQUICConnectionStream.name, (sev: Event) => {
      const stream = (sev as InstanceType<typeof events.EventQUICConnectionStream>).detail;
      void (async () => {
        const parts: Buffer[] = [];
        for await (const c of stream.readable) parts.push(Buffer.from(c));
        const msg = Buffer.concat(parts);
        const reply = answer(msg.subarray(2, 2 + msg.readUInt16BE(0)), names, 'quic', queries);
        const out = framed(reply);
        const w = stream.writable.getWriter();
        await w.write(out);
        await w.close();
      })().catch(() => undefined);
    });
  });
  await server.start({ host: '127.0.0.1', port: 0 });
  return {
    url: `quic://localhost:${server.port}`,
    cert: tls.cert,
    queries,
    connections: () => connections,
    stop: () => server.stop({ force: true }),
  };
}
