/**
 * The size of a request on the wire, checked before it is sent.
 *
 * A ZooKeeper server reads each request's 4-byte length prefix and, when the length is over its
 * `jute.maxbuffer` system property (0xfffff = 1,048,575 bytes by default; NIOServerCnxn.readLength and
 * ZooKeeperServer.checkRequestSizeWhenReceivingMessage), closes the connection instead of answering. The client
 * then sees a connection loss, reconnects with the same session, and — for a request it re-sends after a loss —
 * sends it again: a reconnect storm that ends only at the request's deadline. So a request over the limit is
 * refused here, with nothing sent. The limit is the whole packet after the length prefix: the request header
 * (xid, type: 8 bytes) and the record, whose path includes the chroot the library prepends.
 *
 * node-zookeeper-client itself asserts `data.length <= 1048576` in create/setData ("data must be equal of
 * smaller than 1048576 bytes"): a 1,048,576-byte value passes that check, and is still over the server's limit.
 */
import { ZkError } from './errors.js';

/** ZooKeeper's default `jute.maxbuffer`: the largest request length (prefix excluded) a server accepts. */
export const DEFAULT_MAX_REQUEST_BYTES = 0xfffff;

/** The range accepted for the assumed limit (--max-request-bytes): jute's lengths are signed 32-bit. */
export const MIN_MAX_REQUEST_BYTES = 1024;
export const MAX_MAX_REQUEST_BYTES = 2 ** 31 - 1;

/** RequestHeader: xid and type, two ints. */
const HEADER_BYTES = 8;

const ustring = (text: string): number => 4 + Buffer.byteLength(text, 'utf8');
const buffer = (data: Buffer | undefined): number => 4 + (data?.length ?? 0);

/** The path as the server receives it: the chroot prepended (`/` under a chroot is the chroot itself). */
export function serverPath(chroot: string | undefined, path: string): string {
  if (!chroot) return path;
  return path === '/' ? chroot : `${chroot}${path}`;
}

/** An ACL entry as jute writes it: perms (int), then the Id's scheme and id (ustrings). */
export interface AclSize {
  scheme: string;
  id: string;
}

/** CreateRequest (also CREATE_CONTAINER): path, data, vector<ACL>, flags. */
export function createRequestBytes(path: string, data: Buffer | undefined, acl: readonly AclSize[]): number {
  const acls = 4 + acl.reduce((sum, entry) => sum + 4 + ustring(entry.scheme) + ustring(entry.id), 0);
  return HEADER_BYTES + ustring(path) + buffer(data) + acls + 4;
}

/** SetDataRequest: path, data, version. */
export function setDataRequestBytes(path: string, data: Buffer | undefined): number {
  return HEADER_BYTES + ustring(path) + buffer(data) + 4;
}

const RAISE_HINT =
  "if the server was started with a larger -Djute.maxbuffer (on every server of the ensemble), pass the same number as --max-request-bytes <n> or ZK_COORD_MAX_REQUEST_BYTES";

/** A request over the limit: refused before it was sent, so nothing changed. */
export class RequestTooLargeError extends ZkError {
  override name = 'RequestTooLargeError';
  constructor(
    message: string,
    readonly bytes: number,
    readonly limit: number,
    path?: string,
  ) {
    super(message, path);
  }

  /** A create or setData whose value makes the request too large. */
  static forValue(operation: 'create' | 'set', path: string, valueBytes: number, bytes: number, limit: number): RequestTooLargeError {
    return new RequestTooLargeError(
      `value too large: ${operation} ${path} with a ${valueBytes}-byte value is a ${bytes}-byte request, over ZooKeeper's limit of ${limit} bytes per request (jute.maxbuffer), so it was not sent and nothing changed; ${RAISE_HINT}`,
      bytes,
      limit,
      path,
    );
  }

  /** The hint on raising the limit, for messages built elsewhere (transactions). */
  static readonly raiseHint = RAISE_HINT;
}

/**
 * The server closed the connection every time this request was in flight: it is not re-sent again. The usual
 * cause is a request over the server's jute.maxbuffer when the server's limit is lower than the one assumed.
 */
export class RequestDroppedError extends ZkError {
  override name = 'RequestDroppedError';
  constructor(
    readonly operation: string,
    readonly attempts: number,
    readonly bytes: number | undefined,
    path?: string,
  ) {
    const size = bytes === undefined ? '' : ` (a ${bytes}-byte request)`;
    super(
      `the server closed the connection each of the ${attempts} times ${operation}${path ? ` ${path}` : ''}${size} was sent; not sending it again. ` +
        `A server closes the connection on a request over its jute.maxbuffer: if --max-request-bytes (ZK_COORD_MAX_REQUEST_BYTES) was raised, it is above the server's limit`,
      path,
      -4,
    );
  }
}
