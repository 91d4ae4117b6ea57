/**
 * The one place that loads node-zookeeper-client 1.1.3. Its published types are wrong in places (ACL.perms,
 * nullable stats, Exception not an Error), so we describe exactly the surface we use, by hand, and keep it
 * here: nothing outside src/zk/ sees these shapes.
 */
import type { Socket } from 'node:net';
import zookeeper from 'node-zookeeper-client';
// The library's own Exception module: patched below.
import exceptionModule from 'node-zookeeper-client/lib/Exception.js';
// Its wire records (jute): the ACL requests (acl.ts) and MULTI requests (multi.ts) are built from them.
import juteModule from 'node-zookeeper-client/lib/jute/index.js';

export type LibCallback = (error: LibException | null, ...results: unknown[]) => void;
export type LibWatcher = (event: { type: number; path: string }) => void;

export interface LibException {
  code: number;
  name: string;
  message: string;
}

export interface LibStat {
  czxid: Buffer;
  mzxid: Buffer;
  ctime: Buffer;
  mtime: Buffer;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: Buffer;
  dataLength: number;
  numChildren: number;
  pzxid: Buffer;
}

export interface LibServer {
  host: string;
  port: number;
}

/** ConnectionManager internals we hook into (lib/ConnectionManager.js). */
export interface LibConnectionManager {
  state: number;
  socket?: Socket;
  sessionId: Buffer;
  sessionTimeout: number;
  /** Idle time after which the library sends a ping; read at each connect and each re-arm. */
  pingTimeout: number;
  connectTimeoutHandler: NodeJS.Timeout | null;
  servers: LibServer[];
  /** Requests written and not yet answered, oldest first (CLOSE_SESSION is the last one ever written). */
  pendingQueue: unknown[];
  removeAllListeners(event?: string): void;
  /** Per-host connect timeout (session timeout / number of hosts). */
  connectTimeout: number;
  on(event: 'state', listener: (state: number) => void): void;
  setState(state: number): void;
  onSocketData(buffer: Buffer): void;
  onSocketConnected(): void;
  /** Queues a ping (and re-arms the socket's idle timer): what the library does when its socket was idle. */
  onSocketTimeout(): void;
  onSocketError(error: Error): void;
  onSocketClosed(hadError: boolean): void;
  onSocketDrain(): void;
  onSocketConnectTimeout(): void;
  findNextServer(callback: (server: LibServer) => void): void;
  connect(): void;
  /** Queues a request (jute.Request); the callback gets the error or the decoded jute.Response. */
  queue(request: unknown, callback: (error: LibException | null, response?: { payload: unknown }) => void): void;
}

/** A jute record: what ConnectionManager.queue serialises (lib/jute/index.js). */
export interface LibRecord {
  byteLength(): number;
  setChrootPath(path: string | undefined): void;
}

/** A request as ConnectionManager.queue takes it: header (xid assigned when written) and payload. */
export interface LibRequest {
  header: { type: number; xid: number };
  payload: LibRecord;
  toBuffer(): Buffer;
}

/** One result of a MULTI reply as lib/jute's TransactionResponse decodes it (in op order). */
export interface LibMultiResult {
  type: number;
  path?: string;
  stat?: LibStat;
  err?: number;
}



export interface LibClient {
  connectionManager: LibConnectionManager;
  connect(): void;
  close(): void;
  addAuthInfo(scheme: string, auth: Buffer): void;
  create(path: string, data: Buffer, acls: unknown[], mode: number, cb: LibCallback): void;
  remove(path: string, version: number, cb: LibCallback): void;
  setData(path: string, data: Buffer, version: number, cb: LibCallback): void;
  getData(path: string, watcher: LibWatcher | undefined, cb: LibCallback): void;
  exists(path: string, watcher: LibWatcher | undefined, cb: LibCallback): void;
  getChildren(path: string, watcher: LibWatcher | undefined, cb: LibCallback): void;
}

/** An ACL as the library builds it (lib/ACL.js): `new ACL(permission, new Id(scheme, id))`, permission 1..31. */
export interface LibAcl {
  permission: number;
  id: { scheme: string; id: string };
}

/** A raw jute.data.ACL record as the server sent it (perms not range-checked, unlike ACL.fromRecord). */
export interface LibAclRecord {
  perms: number;
  id: { scheme: string; id: string };
}

interface LibModule {
  createClient(connectionString: string, options: Record<string, unknown>): LibClient;
  ACL: { new (permission: number, id: unknown): LibAcl; OPEN_ACL_UNSAFE: LibAcl[]; CREATOR_ALL_ACL: LibAcl[] };
  Id: new (scheme: string, id: string) => { scheme: string; id: string };
}

/**
 * The library's jute module (lib/jute/index.js): the records we build requests from ourselves — ACL requests
 * (acl.ts) and MULTI (multi.ts; never lib/Transaction.js, which sends version 0 as -1: node-zookeeper-client #67).
 */
export interface LibJute {
  OP_CODES: Record<string, number> & { CREATE: number; DELETE: number; SET_DATA: number; CHECK: number; MULTI: number; ERROR: number };
  Request: new (header: unknown, payload: unknown) => LibRequest;
  protocol: Record<string, new (...args: unknown[]) => Record<string, unknown>> & { RequestHeader: new () => { type: number; xid: number } & LibRecord };
  data: Record<string, new (...args: unknown[]) => Record<string, unknown>>;
  /** Takes ops `{type, path, data?, acls?, mode?, version?}` and writes each version exactly as given. */
  TransactionRequest: new (ops: unknown[]) => LibRecord;
}

interface ExceptionModule {
  create(code: number, path?: string): unknown;
}

/** ConnectionManager's STATES. */
export const RawState = {
  DISCONNECTED: 0,
  CONNECTING: 1,
  CONNECTED: 2,
  CONNECTED_READ_ONLY: 3,
  CLOSING: -1,
  CLOSED: -2,
  SESSION_EXPIRED: -3,
  AUTHENTICATION_FAILED: -4,
} as const;

/** Event.js types. */
export const RawEventType = { NODE_CREATED: 1, NODE_DELETED: 2, NODE_DATA_CHANGED: 3, NODE_CHILDREN_CHANGED: 4 } as const;

/** CreateMode.js values. */
export const RawCreateMode = { PERSISTENT: 0, EPHEMERAL: 1, PERSISTENT_SEQUENTIAL: 2, EPHEMERAL_SEQUENTIAL: 3 } as const;

let loaded: LibModule | undefined;

/** The library's jute module (records and op codes), for requests the client has no method for. */
export function loadJute(): LibJute {
  loadLibrary();
  return juteModule as unknown as LibJute;
}

/** Loads the library once, with its crash on unknown server error codes defused. */
export function loadLibrary(): LibModule {
  if (loaded) return loaded;
  const lib = zookeeper as unknown as LibModule;
  // Exception.create throws "Unknown code: -125" inside the socket's data handler for any code newer than
  // 3.4 (QUOTA_EXCEEDED, SESSION_MOVED, THROTTLED…), which kills the process (node-zookeeper-client issue #70, PR #36).
  // ConnectionManager calls it through the module object, so replacing the export reaches every caller
  // (the same module object whether loaded from node_modules or from the CLI bundle).
  const exceptions = exceptionModule as unknown as ExceptionModule;
  const original = exceptions.create;
  exceptions.create = (code: number, path?: string) => {
    try {
      return original(code, path);
    } catch {
      const error = new Error(`Exception: UNKNOWN[${code}]`) as Error & { code: number; getCode(): number };
      error.name = 'UNKNOWN';
      error.code = code;
      error.getCode = () => code;
      return error;
    }
  };
  loaded = lib;
  return lib;
}
