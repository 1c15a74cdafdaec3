// A private CA with server and client certificates, made by the test with openssl, and nats-server TLS configs using them.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Certificate {
  /** PEM certificate file. */
  cert: string;
  /** PEM private key file (the secret). */
  key: string;
}

export interface TestCa {
  /** PEM file of the CA's certificate: what a peer trusts. */
  ca: string;
  /** A server certificate for 127.0.0.1 and localhost. */
  server: Certificate;
  /** A client certificate (mutual TLS) named `cellgraph`. */
  client: Certificate;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Issues a certificate named `name` from the CA in `dir` (`<prefix>ca.pem`/`ca.key`), with the given extensions. */
function issue(dir: string, prefix: string, name: string, extensions: string): Certificate {
  const base = `${prefix}${name}`;
  openssl(dir, ['req', ...EC, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${name}`]);
  writeFileSync(path.join(dir, `${base}.ext`), extensions);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${base}.csr`,
    '-CA',
    `${prefix}ca.pem`,
    '-CAkey',
    `${prefix}ca.key`,
    '-set_serial',
    String(Date.now()),
    '-days',
    '2',
    '-out',
    `${base}.pem`,
    '-extfile',
    `${base}.ext`,
  ]);
  return { cert: path.join(dir, `${base}.pem`), key: path.join(dir, `${base}.key`) };
}

/** A new CA under `dir` (files prefixed with `prefix`, so two CAs can share a directory) and its two certificates. */
export function newTestCa(dir: string, prefix = ''): TestCa {
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    `${prefix}ca.key`,
    '-out',
    `${prefix}ca.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${prefix}test-ca`,
  ]);
  return {
    ca: path.join(dir, `${prefix}ca.pem`),
    server: issue(dir, prefix, 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'),
    client: issue(dir, prefix, 'cellgraph', 'extendedKeyUsage=clientAuth\n'),
  };
}

/** nats-server `tls {}`: TLS required on the client port; with `verifyClients`, only clients with a certificate from the CA. */
export function tlsServerConfig(ca: TestCa, verifyClients: boolean): string {
  return [
    'tls {',
    `  cert_file: "${ca.server.cert}"`,
    `  key_file: "${ca.server.key}"`,
    `  ca_file: "${ca.ca}"`,
    `  verify: ${verifyClients}`,
    '  timeout: 2',
    '}',
    '',
  ].join('\n');
}

/** The base64 body of a PEM key: the text that must never appear anywhere cellgraph writes. */
export function keyBody(keyFile: string): string {
  return readFileSync(keyFile, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0 && !line.startsWith('-----'))
    .join('');
}
