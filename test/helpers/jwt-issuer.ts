// A local OpenID issuer: a discovery document and a JWKS on 127.0.0.1:0, with keys that can be
// rotated, and helpers to sign the tokens a CI system or a cloud VM would present.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

type Key = { kid: string; privateKey: Parameters<SignJWT['sign']>[0]; jwk: JWK; spki: string };

export class JwtIssuer {
  url = '';
  jwksFetches = 0;
  #keys: Key[] = [];
  #server: Server | null = null;

  async start(): Promise<this> {
    await this.rotate();
    this.#server = createServer((req, res) => {
      const send = (body: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/.well-known/openid-configuration') {
        send({ issuer: this.url, jwks_uri: `${this.url}/jwks` });
      } else if (req.url === '/jwks') {
        this.jwksFetches++;
        send({ keys: this.#keys.map((k) => ({ ...k.jwk, kid: k.kid, alg: 'RS256', use: 'sig' })) });
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => this.#server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** A new signing key; the JWKS then lists only it. */
  async rotate(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `k${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    this.#keys = [
      { kid, privateKey, jwk: await exportJWK(publicKey), spki: await exportSPKI(publicKey) },
    ];
  }

  /** The current public key as PEM (for `public_key`). */
  get publicPem(): string {
    return (this.#keys[0] as Key).spki;
  }

  /** A token signed by the current key, with `iss` and a 5-minute `exp` unless overridden. */
  async sign(claims: JWTPayload, opts: { expiresIn?: string | number } = {}): Promise<string> {
    const key = this.#keys[0] as Key;
    const jwt = new SignJWT({ iss: this.url, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuedAt();
    if (claims.exp === undefined) jwt.setExpirationTime(opts.expiresIn ?? '5m');
    return jwt.sign(key.privateKey);
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}
