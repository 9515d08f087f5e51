// A private certificate authority for TLS tests: server certificates for localhost and
// 127.0.0.1, client certificates, and certificates from a stranger CA, made with openssl.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Issued {
  cert: string;
  key: string;
  /** Its serial number as node:tls reports it (upper-case hex). */
  serial: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

export class TestCa {
  readonly dir = mkdtempSync(join(tmpdir(), 'trove-pki-'));
  readonly certFile = join(this.dir, 'ca.pem');
  readonly #keyFile = join(this.dir, 'ca.key');
  #n = 0;

  constructor(name = 'Trove Test CA') {
    openssl([
      'req',
      '-x509',
      ...EC,
      '-keyout',
      this.#keyFile,
      '-out',
      this.certFile,
      '-days',
      '3',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }

  get cert(): string {
    return readFileSync(this.certFile, 'utf8');
  }

  /** A server certificate for localhost and 127.0.0.1 (and `names`). */
  server(names: string[] = []): Issued {
    const san = ['DNS:localhost', ...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',');
    return this.#issue('localhost', `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  }

  /** A client certificate whose subject is CN=`name`. */
  client(name: string): Issued {
    return this.#issue(name, 'extendedKeyUsage=clientAuth\n');
  }

  /** Writes a certificate and key to files in this CA's directory. */
  files(issued: Issued, name: string): { cert: string; key: string } {
    const cert = join(this.dir, `${name}.pem`);
    const key = join(this.dir, `${name}.key`);
    writeFileSync(cert, issued.cert);
    writeFileSync(key, issued.key, { mode: 0o600 });
    return { cert, key };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  #issue(cn: string, extensions: string): Issued {
    const base = join(this.dir, `issued-${this.#n++}`);
    const serial = randomBytes(8).toString('hex').replace(/^0/, '1').toUpperCase();
    writeFileSync(`${base}.ext`, extensions);
    openssl([
      'req',
      '-new',
      ...EC,
      '-keyout',
      `${base}.key`,
      '-out',
      `${base}.csr`,
      '-subj',
      `/CN=${cn}`,
    ]);
    openssl([
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      this.certFile,
      '-CAkey',
      this.#keyFile,
      '-set_serial',
      `0x${serial}`,
      '-days',
      '2',
      '-extfile',
      `${base}.ext`,
      '-out',
      `${base}.pem`,
    ]);
    return {
      cert: readFileSync(`${base}.pem`, 'utf8'),
      key: readFileSync(`${base}.key`, 'utf8'),
      serial,
    };
  }
}
