import { validatePath } from './paths.js';

/** One server of a connection string. */
export interface ServerAddress {
  host: string;
  port: number;
}

/** A validated `host:port[,host:port...][/chroot]`. */
export interface ConnectionString {
  servers: ServerAddress[];
  /** Chroot path, or undefined for none. */
  chroot: string | undefined;
  /** The normalised string handed to the client library: no spaces, explicit ports. */
  normalised: string;
}

export class InvalidConnectionStringError extends Error {
  override name = 'InvalidConnectionStringError';
}

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
export const DEFAULT_PORT = 2181;

/**
 * Parses and validates a connection string. node-zookeeper-client does neither: it keeps spaces
 * (`"a:1, b:2"` makes host `" b"`, which never resolves: its PR #18) and splits IPv6 literals on `:`.
 */
export function parseConnectionString(input: string): ConnectionString {
  const text = input.trim();
  if (text === '') throw new InvalidConnectionStringError('connection string is empty');
  const slash = text.indexOf('/');
  const hostPart = slash === -1 ? text : text.slice(0, slash);
  let chroot = slash === -1 ? undefined : text.slice(slash).trim();
  if (chroot !== undefined) {
    if (chroot.length > 1 && chroot.endsWith('/')) chroot = chroot.replace(/\/+$/, '');
    if (chroot === '/' || chroot === '') chroot = undefined;
    else {
      const problem = validatePath(chroot);
      if (problem) throw new InvalidConnectionStringError(`invalid chroot "${chroot}": ${problem}`);
    }
  }
  const servers: ServerAddress[] = [];
  for (const raw of hostPart.split(',')) {
    const entry = raw.trim();
    if (entry === '') throw new InvalidConnectionStringError(`empty host in "${input}"`);
    if (entry.startsWith('[') || (entry.match(/:/g)?.length ?? 0) > 1) {
      throw new InvalidConnectionStringError(
        `IPv6 address "${entry}" is not supported by the client library; use a host name or an IPv4 address`,
      );
    }
    const [host = '', portText] = entry.split(':');
    if (!HOSTNAME.test(host)) throw new InvalidConnectionStringError(`invalid host "${host}" in "${input}"`);
    let port = DEFAULT_PORT;
    if (portText !== undefined) {
      if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
        throw new InvalidConnectionStringError(`invalid port "${portText}" for host ${host}`);
      }
      port = Number(portText);
    }
    servers.push({ host, port });
  }
  const normalised = servers.map((s) => `${s.host}:${s.port}`).join(',') + (chroot ?? '');
  return { servers, chroot, normalised };
}

export function formatServer(server: ServerAddress): string {
  return `${server.host}:${server.port}`;
}
