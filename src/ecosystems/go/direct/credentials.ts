// Credentials for private repositories, per `direct.repos` rule: an HTTPS token, user and
// password, a bearer token, a netrc file, or a GitHub App whose installation token Trove mints
// from the app's private key (RS256 JWT, then POST /app/installations/<id>/access_tokens).
// Values are Secrets until the moment a header is built; the header goes only to the
// repository's own origin.
import { createSign } from 'node:crypto';
import type { Secret } from '../../../config/types.js';
import type { Origin } from '../../../upstream/upstream-pool.js';
import { TroveError } from '../../../errors.js';

export type GitAuth =
  | { token: Secret; username?: string | undefined }
  | { username: string; password: Secret }
  | { bearer: Secret }
  | { netrc: Array<{ machine: string; login: string; password: Secret }> }
  | {
      github_app: { app_id: string; installation_id: string; private_key: Secret; api_url: string };
    };

const basic = (user: string, pass: string): string =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** Parses a netrc file's "machine … login … password …" entries (and "default"). */
export function parseNetrc(
  text: string,
): Array<{ machine: string; login: string; password: string }> {
  const tokens = text.replace(/#.*$/gm, '').split(/\s+/).filter(Boolean);
  const out: Array<{ machine: string; login: string; password: string }> = [];
  let cur: { machine: string; login: string; password: string } | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === 'machine' || t === 'default') {
      if (cur) out.push(cur);
      cur = { machine: t === 'default' ? '*' : (tokens[++i] ?? ''), login: '', password: '' };
    } else if (cur && (t === 'login' || t === 'password')) {
      cur[t] = tokens[++i] ?? '';
    } else if (t === 'macdef') break;
  }
  if (cur) out.push(cur);
  return out;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** An app JWT: valid from a minute ago (clock skew) for nine minutes. */
export function appJwt(appId: string, privateKey: string, now = Date.now()): string {
  const iat = Math.floor(now / 1000) - 60;
  const head = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify({ iat, exp: iat + 600, iss: appId }));
  const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(privateKey);
  return `${head}.${body}.${base64url(sig)}`;
}

export class Credentials {
  readonly #auth: GitAuth | undefined;
  readonly #api: (url: string) => Origin;
  #app: { token: string; until: number } | null = null;

  constructor(auth: GitAuth | undefined, api: (url: string) => Origin) {
    this.#auth = auth;
    this.#api = api;
  }

  /** The Authorization header value for a repository URL, if any. */
  async header(repoUrl: string): Promise<string | undefined> {
    const a = this.#auth;
    if (!a) return undefined;
    if ('token' in a) return basic(a.username ?? 'x-access-token', a.token.reveal());
    if ('password' in a) return basic(a.username, a.password.reveal());
    if ('bearer' in a) return `Bearer ${a.bearer.reveal()}`;
    if ('netrc' in a) {
      const host = new URL(repoUrl).hostname;
      const e = a.netrc.find((m) => m.machine === host) ?? a.netrc.find((m) => m.machine === '*');
      return e ? basic(e.login, e.password.reveal()) : undefined;
    }
    return basic('x-access-token', await this.#appToken(a.github_app));
  }

  async #appToken(app: Extract<GitAuth, { github_app: unknown }>['github_app']): Promise<string> {
    if (this.#app && this.#app.until > Date.now()) return this.#app.token;
    const jwt = appJwt(app.app_id, app.private_key.reveal());
    const res = await this.#api(app.api_url).fetch(
      `app/installations/${encodeURIComponent(app.installation_id)}/access_tokens`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${jwt}`,
          accept: 'application/vnd.github+json',
          'user-agent': 'trove',
        },
      },
    );
    const text = await readAll(res.body);
    if (res.status !== 201 && res.status !== 200) {
      throw new TroveError(
        'TROVE_ERR_UPSTREAM_STATUS',
        `GitHub App token request answered ${res.status}`,
      );
    }
    const { token, expires_at } = JSON.parse(text) as { token?: string; expires_at?: string };
    if (!token)
      throw new TroveError('TROVE_ERR_UPSTREAM_STATUS', 'GitHub App token response has no token');
    const expires = expires_at ? Date.parse(expires_at) : Date.now() + 3_600_000;
    // Renew five minutes early, so a token never expires in the middle of a fetch.
    this.#app = { token, until: expires - 5 * 60_000 };
    return token;
  }
}

async function readAll(body: AsyncIterable<unknown>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
