/**
 * A throwaway certificate authority and certificates for a local TLS ZooKeeper, made with `openssl` (the
 * one tool used: ZooKeeper 3.8 reads PEM key and trust stores, `ssl.keyStore.type=PEM`, so no keytool/JKS
 * step is needed). EC P-256 keys, unencrypted, readable by the owner only.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LaunchError } from './launch-error.js';

export interface TlsMaterial {
  dir: string;
  /** The CA certificate: the clients' --tls-ca and the server's trust store. */
  caCert: string;
  caKey: string;
  /** The server's key followed by its certificate: ZooKeeper's PEM key store. */
  serverStore: string;
  serverCert: string;
  /** A client certificate and key signed by the CA (for --mtls). */
  clientCert: string;
  clientKey: string;
}

export const OPENSSL_HINT = 'TLS needs openssl to make its throwaway certificates: on Debian/Ubuntu `sudo apt-get install -y openssl`, on macOS `brew install openssl`';

export function findOpenssl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'openssl'))) return join(dir, 'openssl');
  }
  return undefined;
}

function run(openssl: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(openssl, args, { timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error) reject(new LaunchError(`openssl ${args[0]} failed: ${String(stderr).trim().split('\n').pop() ?? error.message}`));
      else resolve();
    });
  });
}

export interface CertificateSpec {
  /** File name stem: `<name>.pem`, `<name>.key`. */
  name: string;
  commonName: string;
  /** subjectAltName entries, e.g. ['IP:127.0.0.1', 'DNS:localhost']. */
  altNames?: string[];
  usage: 'server' | 'client';
  /** Validity in days; negative gives a certificate that has already expired (for tests). */
  days?: number;
}

/** Issues a key and a certificate signed by the CA in `dir`. Returns the two paths. */
export async function issueCertificate(dir: string, spec: CertificateSpec, openssl = findOpenssl()): Promise<{ cert: string; key: string }> {
  if (!openssl) throw new LaunchError(OPENSSL_HINT);
  const key = join(dir, `${spec.name}.key`);
  const csr = join(dir, `${spec.name}.csr`);
  const cert = join(dir, `${spec.name}.pem`);
  const ext = join(dir, `${spec.name}.ext`);
  const lines = [`extendedKeyUsage=${spec.usage === 'server' ? 'serverAuth,clientAuth' : 'clientAuth'}`];
  if (spec.altNames?.length) lines.push(`subjectAltName=${spec.altNames.join(',')}`);
  writeFileSync(ext, `${lines.join('\n')}\n`);
  await run(openssl, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${spec.commonName}`]);
  await run(openssl, ['x509', '-req', '-in', csr, '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-out', cert, '-days', String(spec.days ?? 30), '-extfile', ext]);
  chmodSync(key, 0o600);
  return { cert, key };
}

/** Makes a CA in `dir` (`ca.pem`, `ca.key`). */
export async function createCertificateAuthority(dir: string, commonName = 'zk-coord throwaway CA', openssl = findOpenssl()): Promise<{ cert: string; key: string }> {
  if (!openssl) throw new LaunchError(OPENSSL_HINT);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = join(dir, 'ca.key');
  const cert = join(dir, 'ca.pem');
  await run(openssl, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${commonName}`]);
  chmodSync(key, 0o600);
  return { cert, key };
}

/**
 * A CA, a server certificate for 127.0.0.1 and localhost, and a client certificate, in `dir`; reuses what
 * is already there (a restarted server keeps its certificates, so clients keep their exports).
 */
export async function ensureTlsMaterial(dir: string, serverAltNames: string[] = ['IP:127.0.0.1', 'DNS:localhost']): Promise<TlsMaterial> {
  const material: TlsMaterial = {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    serverStore: join(dir, 'server-store.pem'),
    serverCert: join(dir, 'server.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
  };
  if ([material.caCert, material.serverStore, material.clientCert, material.clientKey].every((f) => existsSync(f))) return material;
  const openssl = findOpenssl();
  if (!openssl) throw new LaunchError(OPENSSL_HINT);
  await createCertificateAuthority(dir, undefined, openssl);
  const server = await issueCertificate(dir, { name: 'server', commonName: 'localhost', altNames: serverAltNames, usage: 'server' }, openssl);
  writeServerStore(material.serverStore, server.key, server.cert);
  await issueCertificate(dir, { name: 'client', commonName: 'zk-coord client', usage: 'client' }, openssl);
  return material;
}

/** ZooKeeper's PEM key store: the private key, then the certificate, in one file. */
export function writeServerStore(store: string, key: string, cert: string): void {
  writeFileSync(store, `${readFileSync(key, 'utf8')}${readFileSync(cert, 'utf8')}`, { mode: 0o600 });
}
