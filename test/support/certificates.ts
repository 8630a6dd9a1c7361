/**
 * Private certificate authorities for tests, made with openssl in a test's own directory: a CA, and certificates
 * it signs (a server's for 127.0.0.1, a client's for mTLS). Valid two days; never written elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

export class TestCertificates {
  constructor(private readonly dir: string) {}

  /** A self-signed CA `<name>.pem` / `<name>.key`; returns the CA certificate's file. */
  ca(name: string): string {
    this.openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    );
    return join(this.dir, `${name}.pem`);
  }

  /** A certificate for 127.0.0.1 and localhost, signed by CA `caName`. */
  server(name: string, caName: string): IssuedCertificate {
    return this.signed(name, '127.0.0.1', caName, 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  }

  /** A client certificate with common name `cn` (what mTLS maps to a role), signed by CA `caName`. */
  client(name: string, cn: string, caName: string): IssuedCertificate {
    return this.signed(name, cn, caName, 'extendedKeyUsage=clientAuth');
  }

  private signed(name: string, cn: string, caName: string, extension: string): IssuedCertificate {
    this.openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(join(this.dir, `${name}.ext`), `${extension}\n`);
    this.openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${caName}.pem`,
      '-CAkey',
      `${caName}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
    const certFile = join(this.dir, `${name}.pem`);
    const keyFile = join(this.dir, `${name}.key`);
    return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
  }

  private openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }
}
