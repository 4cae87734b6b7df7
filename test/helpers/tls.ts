// Throwaway certificates for the TLS tests, made with the system openssl so no key material is
// ever checked in. A second, unrelated CA lets a test check that verification really happens.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  caFile: string; certFile: string; keyFile: string;
  ca: string;          // PEM of the CA that signed the server certificate
  otherCa: string;     // PEM of a CA that did not
}

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20000 });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-sha256',
    '-subj', '/CN=' + name, '-keyout', name + '.key', '-out', name + '.crt']);
}

export function makeCerts(dir?: string): TestCerts {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'mcu-mqtt-tls-'));
  makeCa(d, 'ca');
  makeCa(d, 'other-ca');
  // Both names, because a client may reach the broker by IP or by host name.
  writeFileSync(join(d, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' +
    'keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl(d, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
    '-keyout', 'server.key', '-out', 'server.csr']);
  openssl(d, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key',
    '-CAcreateserial', '-days', '2', '-sha256', '-extfile', 'server.ext', '-out', 'server.crt']);
  return {
    dir: d,
    caFile: join(d, 'ca.crt'), certFile: join(d, 'server.crt'), keyFile: join(d, 'server.key'),
    ca: readFileSync(join(d, 'ca.crt'), 'utf8'),
    otherCa: readFileSync(join(d, 'other-ca.crt'), 'utf8'),
  };
}
