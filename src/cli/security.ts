/**
 * The secured-cluster options: TLS (--tls, --tls-ca/--tls-cert/--tls-key, --tls-servername, --tls-insecure)
 * and credentials (ZK_COORD_AUTH or --auth-file). Secrets come from the environment or files only; nothing
 * here ever puts a password or a key into a message.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { TlsOptions } from '../zk/tls-options.js';
import { UsageError } from './exit-codes.js';

export interface SecurityOptions {
  tls: TlsOptions | undefined;
  /** Digest credentials `user:password`. */
  auth: string | undefined;
  /** The same settings as environment variables (paths, never secrets), for child zk-coord processes (demo). */
  env: Record<string, string>;
}

/** The environment variables that carry TLS settings and credentials to a child zk-coord. */
export const SECURITY_ENV_NAMES = ['ZK_COORD_TLS', 'ZK_COORD_TLS_CA', 'ZK_COORD_TLS_CERT', 'ZK_COORD_TLS_KEY', 'ZK_COORD_TLS_SERVERNAME', 'ZK_COORD_AUTH_FILE'] as const;

export const SECURITY_ENV_HELP = `  ZK_COORD_TLS_CA/_CERT/_KEY  PEM files (like --tls-ca/--tls-cert/--tls-key; any of them implies --tls)
  ZK_COORD_AUTH_FILE        file holding user:password (like --auth-file; ZK_COORD_AUTH wins)`;

/** Adds the options to the root command (shown) or a subcommand (hidden, so they work after it too). */
export function addSecurityOptions(command: Command, root: boolean): void {
  const add = (option: Option): void => void command.addOption(root ? option : option.hideHelp());
  const env = (option: Option, name: string): Option => (root ? option.env(name) : option);
  add(env(new Option('--tls', "TLS to ZooKeeper's secureClientPort (implied by --tls-ca, --tls-cert, --tls-key)"), 'ZK_COORD_TLS'));
  add(env(new Option('--tls-ca <pem-file>', 'CA certificates that sign the servers\' certificates (default: the system roots)'), 'ZK_COORD_TLS_CA'));
  add(env(new Option('--tls-cert <pem-file>', 'client certificate, for servers that require one (mutual TLS)'), 'ZK_COORD_TLS_CERT'));
  add(env(new Option('--tls-key <pem-file>', 'private key of --tls-cert'), 'ZK_COORD_TLS_KEY'));
  add(env(new Option('--tls-servername <name>', 'verify every server\'s certificate against this name instead of the host in the connection string'), 'ZK_COORD_TLS_SERVERNAME'));
  add(new Option('--tls-insecure', 'do not verify server certificates (testing only; warns on every run)'));
  add(env(new Option('--auth-file <file>', 'digest credentials user:password from this file (instead of ZK_COORD_AUTH)'), 'ZK_COORD_AUTH_FILE'));
}

function readPem(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${option} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Digest credentials: a user name, a colon, a password, neither empty (ZooKeeper's DigestAuthenticationProvider splits at the first colon). */
function validDigest(text: string): boolean {
  const colon = text.indexOf(':');
  return colon > 0 && colon < text.length - 1;
}

function digestProblem(text: string): string {
  const colon = text.indexOf(':');
  if (colon === -1) return 'no colon';
  if (colon === 0) return 'the user name is empty';
  return 'the password is empty';
}

/** Resolves the options (already merged: after the subcommand wins) and the environment. */
export function resolveSecurity(pick: <T>(key: string) => T, env: NodeJS.ProcessEnv): SecurityOptions {
  const ca = pick<string | undefined>('tlsCa');
  const cert = pick<string | undefined>('tlsCert');
  const key = pick<string | undefined>('tlsKey');
  const servername = pick<string | undefined>('tlsServername');
  const insecure = pick<boolean | undefined>('tlsInsecure') === true;
  const wanted = pick<boolean | undefined>('tls') === true || insecure || servername !== undefined || [ca, cert, key].some((v) => v !== undefined && v !== '');
  let tls: TlsOptions | undefined;
  if (wanted) {
    if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together (ZK_COORD_TLS_CERT, ZK_COORD_TLS_KEY)');
    tls = {};
    if (ca) tls.ca = readPem(ca, '--tls-ca');
    if (cert) tls.cert = readPem(cert, '--tls-cert');
    if (key) tls.key = readPem(key, '--tls-key');
    if (servername) tls.servername = servername;
    if (insecure) tls.insecure = true;
  }
  let auth = env.ZK_COORD_AUTH || undefined;
  // Never echo the value: it holds the password.
  if (auth !== undefined && !validDigest(auth)) throw new UsageError(`ZK_COORD_AUTH must be user:password (${digestProblem(auth)})`);
  const authFile = pick<string | undefined>('authFile');
  if (auth === undefined && authFile) {
    let text: string;
    try {
      text = readFileSync(authFile, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --auth-file ${authFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    auth = text.split(/\r?\n/)[0]?.trim();
    if (!auth || !validDigest(auth)) throw new UsageError(`--auth-file ${authFile} must hold user:password on its first line (${digestProblem(auth ?? '')})`);
  }
  const childEnv: Record<string, string> = {};
  if (tls) childEnv.ZK_COORD_TLS = '1';
  if (ca) childEnv.ZK_COORD_TLS_CA = ca;
  if (cert) childEnv.ZK_COORD_TLS_CERT = cert;
  if (key) childEnv.ZK_COORD_TLS_KEY = key;
  if (servername) childEnv.ZK_COORD_TLS_SERVERNAME = servername;
  if (authFile) childEnv.ZK_COORD_AUTH_FILE = authFile;
  return { tls, auth, env: childEnv };
}

/** For a repeatable `--acl <acl>` option (each may hold several, comma-separated). */
export function collectAcl(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export const INSECURE_WARNING = 'TLS certificates are NOT verified (--tls-insecure): anyone on the path can read and change this session';
