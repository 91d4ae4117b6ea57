/**
 * Typed errors of the connection layer. Every failure that leaves `src/zk/` is one of these, carrying the
 * path it concerns, so callers switch on classes instead of parsing node-zookeeper-client's
 * `Exception: NO_NODE[-101]` strings (whose `getPath()` is always undefined).
 */

/** Server error codes (ZooKeeper's KeeperException.Code), including those 3.5+ added. */
export const SERVER_CODE_NAMES: Readonly<Record<number, string>> = {
  [-1]: 'SYSTEM_ERROR',
  [-2]: 'RUNTIME_INCONSISTENCY',
  [-3]: 'DATA_INCONSISTENCY',
  [-4]: 'CONNECTION_LOSS',
  [-5]: 'MARSHALLING_ERROR',
  [-6]: 'UNIMPLEMENTED',
  [-7]: 'OPERATION_TIMEOUT',
  [-8]: 'BAD_ARGUMENTS',
  [-12]: 'UNKNOWN_SESSION',
  [-13]: 'NEW_CONFIG_NO_QUORUM',
  [-14]: 'RECONFIG_IN_PROGRESS',
  [-100]: 'API_ERROR',
  [-101]: 'NO_NODE',
  [-102]: 'NO_AUTH',
  [-103]: 'BAD_VERSION',
  [-108]: 'NO_CHILDREN_FOR_EPHEMERALS',
  [-110]: 'NODE_EXISTS',
  [-111]: 'NOT_EMPTY',
  [-112]: 'SESSION_EXPIRED',
  [-113]: 'INVALID_CALLBACK',
  [-114]: 'INVALID_ACL',
  [-115]: 'AUTH_FAILED',
  [-118]: 'SESSION_MOVED',
  [-119]: 'NOT_READONLY',
  [-120]: 'EPHEMERAL_ON_LOCAL_SESSION',
  [-121]: 'NO_WATCHER',
  [-122]: 'REQUEST_TIMEOUT',
  [-123]: 'RECONFIG_DISABLED',
  [-124]: 'SESSION_CLOSED_REQUIRE_SASL_AUTH',
  [-125]: 'QUOTA_EXCEEDED',
  [-127]: 'THROTTLED_OP',
};

export function serverCodeName(code: number): string {
  return SERVER_CODE_NAMES[code] ?? `UNKNOWN(${code})`;
}

/** Base class: `path` is the znode the failed request concerned (when there was one). */
export class ZkError extends Error {
  override name = 'ZkError';
  constructor(
    message: string,
    readonly path?: string,
    /** The server's numeric error code, when the server sent one. */
    readonly serverCode?: number,
  ) {
    super(message);
  }
}

function at(path: string | undefined): string {
  return path === undefined ? '' : `: ${path}`;
}

export class NoNodeError extends ZkError {
  override name = 'NoNodeError';
  constructor(path?: string) {
    super(`node does not exist${at(path)}`, path, -101);
  }
}

/** The chroot of the connection string (`host:port/chroot`) does not exist: nothing under it can. */
export class ChrootMissingError extends NoNodeError {
  override name = 'ChrootMissingError';
  constructor(readonly chroot: string) {
    super(chroot);
    this.message = `the chroot ${chroot} of the connection string does not exist on the server; create it through a connection string without the chroot (zk-coord -s <host:port> config set ${chroot} "" -p)`;
  }
}

export class NodeExistsError extends ZkError {
  override name = 'NodeExistsError';
  constructor(path?: string) {
    super(`node already exists${at(path)}`, path, -110);
  }
}

export class BadVersionError extends ZkError {
  override name = 'BadVersionError';
  constructor(path?: string) {
    super(`version mismatch${at(path)}`, path, -103);
  }
}

export class NotEmptyError extends ZkError {
  override name = 'NotEmptyError';
  constructor(path?: string) {
    super(`node has children${at(path)}`, path, -111);
  }
}

export class NoAuthError extends ZkError {
  override name = 'NoAuthError';
  constructor(path?: string) {
    super(`not authorised${at(path)} (set ZK_COORD_AUTH=user:password)`, path, -102);
  }
}

export class InvalidAclError extends ZkError {
  override name = 'InvalidAclError';
  constructor(path?: string) {
    super(`invalid ACL${at(path)}`, path, -114);
  }
}

export class NoChildrenForEphemeralsError extends ZkError {
  override name = 'NoChildrenForEphemeralsError';
  constructor(path?: string) {
    super(`ephemeral nodes cannot have children${at(path)}`, path, -108);
  }
}

/** The connection dropped while the request was in flight: it may or may not have been applied. */
export class ConnectionLossError extends ZkError {
  override name = 'ConnectionLossError';
  constructor(path?: string) {
    super(`connection lost while the request was in flight${at(path)}`, path, -4);
  }
}

/** Why a session ended: the server said so, our local timer decided, auth failed, or we closed it. */
export type SessionLossReason = 'expired' | 'timeout' | 'auth-failed' | 'closed';

/** The session is gone: its ephemeral nodes and watches must be assumed gone too. */
export class SessionLostError extends ZkError {
  override name = 'SessionLostError';
  constructor(
    readonly reason: SessionLossReason,
    path?: string,
  ) {
    super(`${describeLoss(reason)}${at(path)}`, path, reason === 'expired' ? -112 : undefined);
  }
}

export function describeLoss(reason: SessionLossReason): string {
  switch (reason) {
    case 'expired':
      return 'session expired (the server ended it)';
    case 'timeout':
      return 'session lost (no contact with the server for the whole session timeout)';
    case 'auth-failed':
      return 'authentication failed (check ZK_COORD_AUTH)';
    case 'closed':
      return 'session closed';
  }
}

/** A request's deadline passed before the server answered. */
export class ZkTimeoutError extends ZkError {
  override name = 'ZkTimeoutError';
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
    path?: string,
  ) {
    super(`${operation} timed out after ${timeoutMs} ms${at(path)}`, path);
  }
}

/** No server answered within the connect deadline. */
export class ConnectFailedError extends ZkError {
  override name = 'ConnectFailedError';
  constructor(
    readonly hosts: readonly string[],
    readonly timeoutMs: number,
    readonly lastErrors: Readonly<Record<string, string>>,
    /** Given up before the deadline: every host failed in a way retrying cannot mend (a rejected certificate). */
    readonly early = false,
    /** Every host refused the TCP connection: nothing listens there. */
    readonly refused = false,
  ) {
    const tried = hosts.map((h) => (lastErrors[h] ? `${h} (${lastErrors[h]})` : h)).join(', ');
    const hint = refused
      ? '; no server listens there: start one with `zk-coord server start`, or point -s/--server (or ZK_COORD_SERVER) at a running one'
      : '';
    super(
      (early ? `cannot connect to ZooKeeper: ${tried}` : `cannot connect to ZooKeeper within ${timeoutMs} ms; tried ${tried}`) + hint,
    );
  }
}

/** The connect was called off (its AbortSignal) before any server answered. */
export class ConnectAbortedError extends ZkError {
  override name = 'ConnectAbortedError';
  constructor() {
    super('connect called off');
  }
}

/** A request the server refused as malformed, or one we refused before sending it. */
export class BadArgumentsError extends ZkError {
  override name = 'BadArgumentsError';
}

/** Any server error code we have no class for, including ones node-zookeeper-client 1.1.3 cannot decode. */
export class UnknownServerError extends ZkError {
  override name = 'UnknownServerError';
  constructor(code: number, path?: string) {
    super(`server error ${serverCodeName(code)} [${code}]${at(path)}`, path, code);
  }
}

/** Maps a server error code to its typed error. */
export function errorForCode(code: number, path?: string): ZkError {
  switch (code) {
    case -101:
      return new NoNodeError(path);
    case -110:
      return new NodeExistsError(path);
    case -103:
      return new BadVersionError(path);
    case -111:
      return new NotEmptyError(path);
    case -102:
      return new NoAuthError(path);
    case -114:
      return new InvalidAclError(path);
    case -108:
      return new NoChildrenForEphemeralsError(path);
    case -4:
      return new ConnectionLossError(path);
    case -112:
      return new SessionLostError('expired', path);
    case -115:
      return new SessionLostError('auth-failed', path);
    case -8:
      return new BadArgumentsError(`bad arguments${at(path)}`, path, code);
    default:
      return new UnknownServerError(code, path);
  }
}
