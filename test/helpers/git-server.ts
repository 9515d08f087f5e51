// A private git host on loopback: smart HTTP through git-http-backend behind Basic auth,
// go-import meta tags for ?go-get=1, and a GitHub-App-style token endpoint. It also answers
// as an HTTP proxy for its own host name (absolute-URI requests, and CONNECT to port 80), so
// the go command, git and Trove can all use the name without any DNS.
import { spawn, execFileSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync, symlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface GitServer {
  /** http://127.0.0.1:port, also usable as an HTTP proxy for `host`. */
  url: string;
  host: string;
  /** Every request: method, path and the Authorization it carried. */
  requests: Array<{
    method: string;
    path: string;
    authorization: string | undefined;
    agent: string;
  }>;
  stop(): Promise<void>;
}

export interface GitServerOptions {
  host: string;
  /** Accepted Basic credentials, "user:password". */
  logins: string[];
  /** A GitHub App: its public key, and the installation token it mints. */
  app?: { publicKeyPem: string; installationId: string; token: string };
}

function cgi(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
  user: string,
): void {
  const child = spawn('/usr/lib/git-core/git-http-backend', [], {
    env: {
      PATH: process.env['PATH'],
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: path,
      QUERY_STRING: query,
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: user,
      REMOTE_ADDR: '127.0.0.1',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
    },
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let sent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (sent) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head.subarray(0, end).toString().split('\r\n')) {
      const i = line.indexOf(':');
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
      else headers[k] = v;
    }
    res.writeHead(status, headers);
    sent = true;
    res.write(head.subarray(end + 4));
  });
  child.stdout.on('end', () => res.end());
  child.on('error', () => res.destroy());
}

export async function startGitServer(root: string, o: GitServerOptions): Promise<GitServer> {
  const requests: GitServer['requests'] = [];
  const tokens = new Set(o.logins);
  const server = createServer((req, res) => {
    // Proxy form ("GET http://host/path") and origin form are both accepted.
    const url = new URL(req.url ?? '/', `http://${o.host}`);
    const authorization = req.headers['authorization'];
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      authorization,
      agent: req.headers['user-agent'] ?? '',
    });
    if (url.searchParams.get('go-get') === '1') {
      const [owner, repo] = url.pathname.split('/').filter(Boolean);
      const rootPath = `${o.host}/${owner ?? ''}/${repo ?? ''}`;
      const html = `<!doctype html><html><head><meta name="go-import" content="${rootPath} git http://${rootPath}"></head><body>go get</body></html>`;
      return void res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    }
    const tokenPath = `/app/installations/${o.app?.installationId ?? ''}/access_tokens`;
    if (o.app && req.method === 'POST' && url.pathname === tokenPath) {
      const jwt = /^Bearer (.+)$/.exec(authorization ?? '')?.[1]?.split('.') ?? [];
      const ok =
        jwt.length === 3 &&
        verify(
          'RSA-SHA256',
          Buffer.from(`${jwt[0]}.${jwt[1]}`),
          createPublicKey(o.app.publicKeyPem),
          Buffer.from(jwt[2] as string, 'base64url'),
        );
      if (!ok) return void res.writeHead(401).end('bad jwt');
      tokens.add(`x-access-token:${o.app.token}`);
      const body = JSON.stringify({
        token: o.app.token,
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      });
      return void res.writeHead(201, { 'content-type': 'application/json' }).end(body);
    }
    const login = /^Basic (.+)$/.exec(authorization ?? '')?.[1];
    const who = login ? Buffer.from(login, 'base64').toString() : '';
    if (!tokens.has(who)) {
      return void res
        .writeHead(401, { 'www-authenticate': 'Basic realm="git"' })
        .end('authentication required\n');
    }
    cgi(root, req, res, url.pathname, url.search.slice(1), who.split(':')[0] ?? '');
  });
  // CONNECT to the host's port 80 tunnels back into this server; anything else is refused.
  server.on('connect', (req: IncomingMessage, client: Socket) => {
    if (req.url !== `${o.host}:80`) return void client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    server.emit('connection', client);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    host: o.host,
    requests,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A scripted git working tree that pushes into a bare repository under `root`. */
export class RepoBuilder {
  readonly work: string;
  readonly #bare: string;

  constructor(root: string, name: string) {
    this.#bare = join(root, `${name}.git`);
    this.work = mkdtempSync(join(tmpdir(), 'trove-repo-'));
    mkdirSync(dirname(this.#bare), { recursive: true });
    execFileSync('git', ['init', '--bare', '--quiet', '-b', 'main', this.#bare]);
    this.git('init', '--quiet', '-b', 'main');
    this.git('remote', 'add', 'origin', this.#bare);
  }

  #env(time?: string): NodeJS.ProcessEnv {
    return {
      PATH: process.env['PATH'],
      HOME: this.work,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Fixture',
      GIT_AUTHOR_EMAIL: 'fixture@trove.test',
      GIT_COMMITTER_NAME: 'Fixture',
      GIT_COMMITTER_EMAIL: 'fixture@trove.test',
      ...(time ? { GIT_AUTHOR_DATE: time, GIT_COMMITTER_DATE: time } : {}),
    };
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.work, env: this.#env() }).toString().trim();
  }

  write(files: Record<string, string>): this {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(this.work, name)), { recursive: true });
      writeFileSync(join(this.work, name), text);
    }
    return this;
  }

  symlink(target: string, name: string): this {
    symlinkSync(target, join(this.work, name));
    return this;
  }

  /** Commits everything at a fixed UTC time; returns the commit hash. */
  commit(message: string, isoTime: string): string {
    this.git('add', '-A');
    execFileSync('git', ['commit', '--quiet', '-m', message], {
      cwd: this.work,
      env: this.#env(isoTime),
    });
    return this.git('rev-parse', 'HEAD');
  }

  tag(name: string): this {
    this.git('tag', name);
    return this;
  }

  push(): void {
    this.git('push', '--quiet', '--all', 'origin');
    this.git('push', '--quiet', '--tags', 'origin');
  }
}
