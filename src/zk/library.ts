/**
 * The one place that loads node-zookeeper-client 1.1.3. Its published types are wrong in places (ACL.perms,
 * nullable stats, Exception not an Error), so we describe exactly the surface we use, by hand, and keep it
 * here: nothing outside src/zk/ sees these shapes.
 */
import type { Socket } from 'node:net';
import zookeeper from 'node-zookeeper-client';
// The library's own Exception module: patched below.
import exceptionModule from 'node-zookeeper-client/lib/Exception.js';

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
  connectTimeoutHandler: NodeJS.Timeout | null;
  servers: LibServer[];
  /** Requests written and not yet answered, oldest first (CLOSE_SESSION is the last one ever written). */
  pendingQueue: unknown[];
  on(event: 'state', listener: (state: number) => void): void;
  removeAllListeners(event?: string): void;
  onSocketData(buffer: Buffer): void;
  onSocketConnected(): void;
  onSocketError(error: Error): void;
  findNextServer(callback: (server: LibServer) => void): void;
  connect(): void;
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

interface LibModule {
  createClient(connectionString: string, options: Record<string, unknown>): LibClient;
  ACL: { OPEN_ACL_UNSAFE: unknown[]; CREATOR_ALL_ACL: unknown[] };
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

/** Loads the library once, with its crash on unknown server error codes defused. */
export function loadLibrary(): LibModule {
  if (loaded) return loaded;
  const lib = zookeeper as unknown as LibModule;
  // Exception.create throws "Unknown code: -125" inside the socket's data handler for any code newer than
  // 3.4 (QUOTA_EXCEEDED, SESSION_MOVED, THROTTLED…), which kills the process (issue #70, PR #36).
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
