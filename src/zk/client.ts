import { EventEmitter } from 'node:events';
import { formatServer, parseConnectionString, type ConnectionString } from './connection-string.js';
import {
  BadArgumentsError,
  ConnectFailedError,
  ConnectionLossError,
  NoNodeError,
  NodeExistsError,
  SessionLostError,
  ZkError,
  ZkTimeoutError,
  errorForCode,
  type SessionLossReason,
} from './errors.js';
import {
  RawCreateMode,
  RawEventType,
  RawState,
  loadLibrary,
  type LibCallback,
  type LibClient,
  type LibConnectionManager,
  type LibException,
  type LibStat,
  type LibWatcher,
} from './library.js';
import { joinPath, validatePath } from './paths.js';
import { hex, toStat, type Stat } from './stat.js';
import { createMode, quoteData } from './trace.js';

/**
 * The session as recipes see it:
 * - `connected`: requests flow;
 * - `suspended`: the connection dropped or went silent; the session may still live, ephemerals may still exist;
 * - `lost`: the session is gone (server said expired, our local timer ran out, or auth failed): ephemerals and
 *   watches must be assumed gone, and this client is dead;
 * - `closed`: we closed it.
 */
export type ConnectionState = 'connected' | 'suspended' | 'lost' | 'closed';

export type CreateMode = 'persistent' | 'ephemeral' | 'persistent-sequential' | 'ephemeral-sequential';

export type WatchEventType = 'created' | 'deleted' | 'changed' | 'children';

/** A one-shot watch firing. Session events never arrive here: follow the client's `state` event for those. */
export interface WatchEvent {
  type: WatchEventType;
  path: string;
}

export type Watcher = (event: WatchEvent) => void;

export interface ZkClientOptions {
  /** `host:port[,host:port…][/chroot]`. */
  connectString: string;
  /** Requested session timeout; the server clamps it to [2, 20] × tickTime. Default 10000. */
  sessionTimeoutMs?: number;
  /** How long `connect` may take before it fails. Default 10000. */
  connectTimeoutMs?: number;
  /** Deadline of each request, waiting for a reconnect included. Default: the larger of the two above. */
  requestTimeoutMs?: number;
  /** Digest credentials `user:password`, sent on every (re)connect. */
  digestAuth?: string;
  /** Called with the zkCli equivalent of every operation, before it is sent. */
  onTrace?: (command: string) => void;
}

export interface StateChangeEvent {
  state: ConnectionState;
  previous: ConnectionState | undefined;
  /** Why the session was lost (state `lost`). */
  reason?: SessionLossReason;
  /** The server we are (re)connected to (state `connected`). */
  server?: string;
}

interface ClientEvents {
  state: [StateChangeEvent];
  /** The watchdog gave up on a silent server, or a malformed frame arrived: the socket was dropped. */
  socketDropped: [{ server: string; why: string }];
}

interface InFlight {
  reject(error: Error): void;
  path?: string;
}

const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** node-zookeeper-client waits random(0..spinDelay) after trying every host once; 1 s default is slow on failover. */
const SPIN_DELAY_MS = 300;

/**
 * A ZooKeeper session with a promise API, deadlines and the liveness the library lacks.
 *
 * node-zookeeper-client 1.1.3 never notices a silent server (#13), never reports expiry during a partition (#20),
 * never calls back requests queued before an expiry, and crashes on codes newer than 3.4 (#70). This class owns
 * the library client and adds: a watchdog that drops a socket silent for 2/3 of the session timeout (so the
 * library moves to the next host, as the Java client and kazoo do), a local expiry timer (the session is `lost`
 * once nothing was heard for the whole negotiated timeout), a deadline on connect and on every request, and a
 * close that waits for the server to confirm, so our ephemeral nodes are gone when `close()` resolves.
 */
export class ZkClient extends EventEmitter<ClientEvents> {
  readonly connection: ConnectionString;
  private readonly options: Required<Omit<ZkClientOptions, 'digestAuth' | 'onTrace'>> & ZkClientOptions;
  private lib: LibClient | undefined;
  private cm: LibConnectionManager | undefined;
  private current: ConnectionState | undefined;
  private lossReason: SessionLossReason | undefined;
  private negotiatedTimeoutMs = 0;
  private sessionIdValue = 0n;
  private lastHeardAt = 0;
  private tcpConnectedAt: number | undefined;
  private serverNow: string | undefined;
  private readonly hostErrors: Record<string, string> = {};
  private readonly triedHosts = new Set<string>();
  private watchdog: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<InFlight>();
  private readonly stateWaiters = new Set<() => void>();
  private readonly watcherWrappers = new WeakMap<Watcher, LibWatcher>();
  private closing = false;
  /** Called after each chunk of replies has been decoded (close() uses it to see its reply arrive). */
  private onReplies: (() => void) | undefined;

  private constructor(connection: ConnectionString, options: ZkClientOptions) {
    super();
    this.connection = connection;
    const sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.options = {
      ...options,
      sessionTimeoutMs,
      connectTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs ?? Math.max(sessionTimeoutMs, connectTimeoutMs),
    };
  }

  /**
   * Resolves with a connected client, or rejects with ConnectFailedError (deadline passed, naming every host
   * tried), SessionLostError (auth failed) or InvalidConnectionStringError.
   */
  static async connect(options: ZkClientOptions): Promise<ZkClient> {
    const client = new ZkClient(parseConnectionString(options.connectString), options);
    await client.start();
    return client;
  }

  /** Current state. */
  get state(): ConnectionState {
    return this.current ?? 'suspended';
  }

  /** Session id (0n before the first connect). */
  get sessionId(): bigint {
    return this.sessionIdValue;
  }

  /** Session id as zkCli prints it (`0x…`). */
  get sessionIdHex(): string {
    return hex(this.sessionIdValue);
  }

  /** The session timeout the server granted. */
  get sessionTimeoutMs(): number {
    return this.negotiatedTimeoutMs;
  }

  /** The server of the current (or last) connection. */
  get server(): string | undefined {
    return this.serverNow;
  }

  /** Why the session was lost, once `state` is `lost`. */
  get lostReason(): SessionLossReason | undefined {
    return this.lossReason;
  }

  private trace(command: string): void {
    this.options.onTrace?.(command);
  }

  private start(): Promise<void> {
    const lib = loadLibrary();
    this.lib = lib.createClient(this.connection.normalised, {
      sessionTimeout: this.options.sessionTimeoutMs,
      spinDelay: SPIN_DELAY_MS,
      // Library retries re-send non-idempotent creates and duplicate sequential nodes (notes d2): never.
      retries: 0,
    });
    const cm = this.lib.connectionManager;
    this.cm = cm;
    this.hookConnectionManager(cm);
    cm.on('state', (raw) => this.onRawState(raw));
    if (this.options.digestAuth !== undefined) this.lib.addAuthInfo('digest', Buffer.from(this.options.digestAuth));
    this.trace(`connect ${this.connection.normalised}`);
    const deadline = Date.now() + this.options.connectTimeoutMs;
    this.lastHeardAt = Date.now();
    this.watchdog = setInterval(() => this.checkLiveness(), this.watchdogPeriod());
    this.watchdog.unref();
    this.lib.connect();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        this.kill();
        this.current = 'closed';
        // The hosts actually tried, in order (a silent first host can use up the deadline before the rest).
        const hosts = this.triedHosts.size > 0 ? [...this.triedHosts] : this.connection.servers.map(formatServer);
        reject(new ConnectFailedError(hosts, this.options.connectTimeoutMs, this.hostErrors));
      }, Math.max(0, deadline - Date.now()));
      const onState = (event: StateChangeEvent): void => {
        if (event.state === 'connected') {
          cleanup();
          resolve();
        } else if (event.state === 'lost') {
          cleanup();
          reject(new SessionLostError(event.reason ?? 'expired'));
        }
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('state', onState);
      };
      this.on('state', onState);
    });
  }

  /**
   * A sixth of the session timeout: a silent server is dropped within 2/3 + 1/6 of the timeout, still before the
   * session can expire, and an idle holder wakes only a few times per timeout. The local expiry itself has an
   * exact timer (`armExpiry`).
   */
  private watchdogPeriod(): number {
    return Math.max(50, Math.min(2000, Math.floor(this.options.sessionTimeoutMs / 6)));
  }

  /** While suspended: a one-shot timer for the moment the whole session timeout has passed without a word. */
  private armExpiry(): void {
    this.disarmExpiry();
    const remaining = this.lastHeardAt + this.negotiatedTimeoutMs - Date.now();
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined;
      if (this.presumedExpired()) this.lose('timeout');
    }, Math.max(0, remaining) + 1);
    this.expiryTimer.unref();
  }

  private disarmExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  /**
   * Wraps ConnectionManager's own methods on this instance, before connect(): the socket handlers are bound
   * from the instance when each socket is made, so every socket gets the wrapped versions.
   */
  private hookConnectionManager(cm: LibConnectionManager): void {
    const onData = cm.onSocketData;
    cm.onSocketData = (buffer: Buffer) => {
      // Silent for the whole session timeout (a paused process, a partition): the server has expired us
      // whatever these bytes say. Losing here, before they are decoded, means nothing acts on a dead session.
      if (this.presumedExpired()) return this.lose('timeout');
      this.lastHeardAt = Date.now();
      try {
        onData.call(cm, buffer);
        this.onReplies?.();
      } catch (error) {
        // Malformed frames and unknown watch event types throw here, inside the socket handler (#39, #89):
        // drop this socket instead of the process; the library reconnects and the session resumes.
        this.dropSocket(`undecodable reply (${(error as Error).message})`);
      }
    };
    const onConnected = cm.onSocketConnected;
    cm.onSocketConnected = () => {
      this.tcpConnectedAt = Date.now();
      onConnected.call(cm);
    };
    const onError = cm.onSocketError;
    cm.onSocketError = (error: Error) => {
      if (this.serverNow) this.hostErrors[this.serverNow] = (error as NodeJS.ErrnoException).code ?? error.message;
      onError.call(cm, error);
    };
    const findNext = cm.findNextServer;
    cm.findNextServer = (callback) => {
      findNext.call(cm, (server) => {
        this.serverNow = formatServer(server);
        this.triedHosts.add(this.serverNow);
        this.tcpConnectedAt = undefined;
        callback(server);
      });
    };
  }

  private dropSocket(why: string): void {
    const socket = this.cm?.socket;
    if (!socket || socket.destroyed) return;
    this.emit('socketDropped', { server: this.serverNow ?? '?', why });
    socket.destroy();
  }

  /** Runs every watchdogPeriod: the read timeout, the handshake timeout and the local expiry timer. */
  private checkLiveness(): void {
    const cm = this.cm;
    if (!cm || this.current === 'lost' || this.current === 'closed') return;
    if (this.presumedExpired()) {
      this.lose('timeout');
      return;
    }
    const now = Date.now();
    const timeout = this.negotiatedTimeoutMs || this.options.sessionTimeoutMs;
    const silentFor = now - this.lastHeardAt;
    if (cm.state === RawState.CONNECTED) {
      // The library pings after timeout/3 of idleness; a live server answers well within 2/3.
      if (silentFor > (timeout * 2) / 3) this.dropSocket(`no reply for ${silentFor} ms`);
    } else if (cm.state === RawState.CONNECTING && this.tcpConnectedAt !== undefined) {
      // The library clears its connect timer once TCP is up, so a host that accepts and never answers the
      // handshake hangs it forever (notes e). Give each host its share of the session timeout, as Java does.
      const handshakeMs = Math.max(1000, Math.min((timeout * 2) / 3, timeout / this.connection.servers.length));
      if (now - this.tcpConnectedAt > handshakeMs) {
        this.tcpConnectedAt = undefined;
        if (this.serverNow) this.hostErrors[this.serverNow] = 'no handshake reply';
        this.dropSocket(`no handshake reply in ${handshakeMs} ms`);
      }
    }
  }

  /**
   * Expiry is decided by the server from the last packet it got from us; the last packet we got from it is our
   * best lower bound. Past the negotiated timeout without a word, the server has (or soon will have) expired us.
   */
  private presumedExpired(): boolean {
    if (this.negotiatedTimeoutMs === 0 || (this.current !== 'connected' && this.current !== 'suspended')) return false;
    return Date.now() - this.lastHeardAt >= this.negotiatedTimeoutMs;
  }

  private onRawState(raw: number): void {
    const cm = this.cm;
    if (!cm) return;
    switch (raw) {
      case RawState.CONNECTED:
      case RawState.CONNECTED_READ_ONLY:
        this.lastHeardAt = Date.now();
        this.tcpConnectedAt = undefined;
        this.negotiatedTimeoutMs = cm.sessionTimeout;
        this.sessionIdValue = cm.sessionId.readBigInt64BE(0);
        this.disarmExpiry();
        this.setState('connected');
        break;
      case RawState.DISCONNECTED:
        if (this.current === 'connected' && !this.closing) {
          this.armExpiry();
          this.setState('suspended');
        }
        break;
      case RawState.SESSION_EXPIRED:
        this.lose('expired');
        break;
      case RawState.AUTHENTICATION_FAILED:
        this.lose('auth-failed');
        break;
      case RawState.CLOSED:
        if (!this.closing) this.lose('expired');
        break;
      default:
        break;
    }
  }

  private setState(next: ConnectionState, reason?: SessionLossReason): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    const event: StateChangeEvent = { state: next, previous };
    if (reason) event.reason = reason;
    if (next === 'connected' && this.serverNow) event.server = this.serverNow;
    for (const wake of [...this.stateWaiters]) wake();
    this.emit('state', event);
  }

  /** The session is over: stop the library for good and fail everything waiting on it. */
  private lose(reason: SessionLossReason): void {
    if (this.current === 'lost' || this.current === 'closed') return;
    this.lossReason = reason;
    this.kill();
    for (const request of [...this.inFlight]) request.reject(new SessionLostError(reason, request.path));
    this.inFlight.clear();
    this.setState('lost', reason);
  }

  /**
   * Stops the library client without its close(): no reconnects, no timers, no socket. close() alone
   * only queues CLOSE_SESSION and, while disconnected, can leave sockets and reconnects behind (#60).
   */
  private kill(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    this.disarmExpiry();
    const cm = this.cm;
    if (!cm) return;
    cm.removeAllListeners('state');
    cm.connect = () => {};
    cm.findNextServer = () => {};
    if (cm.connectTimeoutHandler) clearTimeout(cm.connectTimeoutHandler);
    cm.state = RawState.CLOSED;
    cm.socket?.destroy();
  }

  /**
   * Ends the session. When connected, waits (at most 1 s) until the server has closed it, so our ephemeral
   * nodes are already gone for every other client when this resolves. Safe to call more than once.
   */
  async close(): Promise<void> {
    if (this.current === 'closed') return;
    if (this.current === 'lost' || !this.lib || !this.cm) {
      this.kill();
      this.current = 'closed';
      return;
    }
    const cm = this.cm;
    if (cm.state === RawState.CONNECTED) {
      this.closing = true;
      this.trace('close');
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(cap);
          this.onReplies = undefined;
          resolve();
        };
        const cap = setTimeout(done, 1000);
        // The server answers CLOSE_SESSION after it has applied it (session and ephemerals gone), then closes
        // the socket. The answer is the confirmation: waiting for the socket's close as well cost ~2 ms of
        // every one-shot command. The library writes CLOSE_SESSION synchronously, as its last request.
        this.lib?.close();
        const closeRequest = cm.pendingQueue[cm.pendingQueue.length - 1];
        this.onReplies = () => {
          if (!cm.pendingQueue.includes(closeRequest)) done();
        };
        cm.on('state', (raw) => {
          if (raw === RawState.CLOSED) done();
        });
      });
    }
    this.kill();
    for (const request of [...this.inFlight]) request.reject(new SessionLostError('closed', request.path));
    this.inFlight.clear();
    this.setState('closed');
  }

  /** Resolves once connected; rejects when lost or closed, or at the deadline. */
  private waitConnected(deadline: number, operation: string, path?: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.current === 'connected') {
          resolve();
          return true;
        }
        if (this.current === 'lost' || this.current === 'closed') {
          reject(new SessionLostError(this.lossReason ?? 'closed', path));
          return true;
        }
        return false;
      };
      if (check()) return;
      const wake = (): void => {
        if (check()) done();
      };
      const timer = setTimeout(() => {
        done();
        reject(new ZkTimeoutError(operation, this.options.requestTimeoutMs, path));
      }, Math.max(0, deadline - Date.now()));
      const done = (): void => {
        clearTimeout(timer);
        this.stateWaiters.delete(wake);
      };
      this.stateWaiters.add(wake);
    });
  }

  /**
   * Sends one request. Nothing is handed to the library while disconnected (it would queue it with no
   * timeout, and behind the auth replay: notes (i)); we wait for the reconnect within the deadline instead.
   */
  private async send<T>(
    operation: string,
    path: string | undefined,
    trace: string,
    deadline: number,
    issue: (lib: LibClient, callback: LibCallback) => void,
    onResult: (results: unknown[]) => T,
  ): Promise<T> {
    if (path !== undefined) {
      const problem = validatePath(path);
      if (problem) throw new BadArgumentsError(`invalid path "${path}": ${problem}`, path);
    }
    await this.waitConnected(deadline, operation, path);
    const lib = this.lib;
    // While closing, the library answers every request with a synchronous CONNECTION_LOSS; a caller that
    // retries those would spin the event loop. Closing is final: say so.
    if (!lib || this.closing) throw new SessionLostError('closed', path);
    this.trace(trace);
    return new Promise<T>((resolve, reject) => {
      const entry: InFlight = { reject: (e) => finish(e) };
      if (path !== undefined) entry.path = path;
      const timer = setTimeout(
        () => finish(new ZkTimeoutError(operation, this.options.requestTimeoutMs, path)),
        Math.max(0, deadline - Date.now()),
      );
      let settled = false;
      const finish = (error: Error | null, value?: T): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(entry);
        if (error) reject(error);
        else resolve(value as T);
      };
      this.inFlight.add(entry);
      try {
        issue(lib, (error: LibException | null, ...results: unknown[]) => {
          if (error) {
            if (error.code === -4 && (this.closing || this.current === 'lost' || this.current === 'closed')) {
              finish(new SessionLostError(this.lossReason ?? 'closed', path));
            } else {
              finish(errorForCode(typeof error.code === 'number' ? error.code : -1, path));
            }
            return;
          }
          try {
            finish(null, onResult(results));
          } catch (e) {
            finish(e as Error);
          }
        });
      } catch (error) {
        // The library asserts its arguments synchronously (bad path, data over 1 MiB).
        finish(new BadArgumentsError((error as Error).message, path));
      }
    });
  }

  /**
   * Sends an idempotent request, re-sending it after a connection loss until the deadline: a read or an
   * unconditional write has the same effect however often it lands.
   */
  private async sendIdempotent<T>(
    operation: string,
    path: string,
    trace: string,
    issue: (lib: LibClient, callback: LibCallback) => void,
    onResult: (results: unknown[]) => T,
  ): Promise<T> {
    const deadline = Date.now() + this.options.requestTimeoutMs;
    for (;;) {
      try {
        return await this.send(operation, path, trace, deadline, issue, onResult);
      } catch (error) {
        if (!(error instanceof ConnectionLossError) || Date.now() >= deadline) throw error;
      }
      // Let the library's disconnect handling run (and our state follow) before sending again.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private libWatcher(watcher: Watcher | undefined): LibWatcher | undefined {
    if (!watcher) return undefined;
    // The library dedupes watchers per path by function identity; handing it the same wrapper for the same
    // watcher keeps re-arming from piling up listeners (#72, #95).
    let wrapped = this.watcherWrappers.get(watcher);
    if (!wrapped) {
      wrapped = (event) => watcher({ type: eventType(event.type), path: event.path });
      this.watcherWrappers.set(watcher, wrapped);
    }
    return wrapped;
  }

  /** Resolves with the created path (with the sequence suffix for sequential modes). */
  create(path: string, data: Buffer = Buffer.alloc(0), mode: CreateMode = 'persistent'): Promise<string> {
    const ephemeral = mode.startsWith('ephemeral');
    const sequential = mode.endsWith('sequential');
    const raw = RAW_MODES[mode];
    const acl = loadLibrary().ACL.OPEN_ACL_UNSAFE;
    return this.send(
      'create',
      path,
      `create ${createMode(ephemeral, sequential)}${path} ${quoteData(data)}`,
      Date.now() + this.options.requestTimeoutMs,
      (lib, cb) => lib.create(path, data, acl, raw, cb),
      ([created]) => created as string,
    );
  }

  /** Resolves with the data (empty for none) and stat; NoNodeError when absent. A watch fires on change or delete. */
  getData(path: string, watcher?: Watcher): Promise<{ data: Buffer; stat: Stat }> {
    const lw = this.libWatcher(watcher);
    return this.sendIdempotent(
      'get',
      path,
      `get ${lw ? '-w ' : ''}${path}`,
      (lib, cb) => lib.getData(path, lw, cb),
      ([data, stat]) => ({ data: Buffer.isBuffer(data) ? data : Buffer.alloc(0), stat: toStat(stat as LibStat) }),
    );
  }

  /** Resolves with the stat, or null when absent. A watch fires on create, change or delete. */
  exists(path: string, watcher?: Watcher): Promise<Stat | null> {
    const lw = this.libWatcher(watcher);
    return this.sendIdempotent(
      'stat',
      path,
      `stat ${lw ? '-w ' : ''}${path}`,
      (lib, cb) => lib.exists(path, lw, cb),
      ([stat]) => (stat ? toStat(stat as LibStat) : null),
    );
  }

  /** Resolves with the children's names sorted (the server's order is arbitrary) and the parent's stat. */
  getChildren(path: string, watcher?: Watcher): Promise<{ children: string[]; stat: Stat }> {
    const lw = this.libWatcher(watcher);
    return this.sendIdempotent(
      'ls',
      path,
      `ls ${lw ? '-w ' : ''}${path}`,
      (lib, cb) => lib.getChildren(path, lw, cb),
      ([children, stat]) => ({ children: [...(children as string[])].sort(), stat: toStat(stat as LibStat) }),
    );
  }

  /**
   * Writes data. With a version it is a compare-and-set (BadVersionError on mismatch) and is not re-sent after
   * a connection loss (it may have landed: the caller gets ConnectionLossError). Version 0 means version 0,
   * unlike the library's Transaction builder (#67), which we never use.
   */
  setData(path: string, data: Buffer, version = -1): Promise<Stat> {
    const trace = `set ${version >= 0 ? `-v ${version} ` : ''}${path} ${quoteData(data)}`;
    const issue = (lib: LibClient, cb: LibCallback): void => lib.setData(path, data, version, cb);
    const onResult = ([stat]: unknown[]): Stat => toStat(stat as LibStat);
    if (version >= 0) return this.send('set', path, trace, Date.now() + this.options.requestTimeoutMs, issue, onResult);
    return this.sendIdempotent('set', path, trace, issue, onResult);
  }

  /**
   * Deletes a node. An unconditional delete re-sent after a connection loss that then finds the node gone
   * counts as done (the first one landed).
   */
  async remove(path: string, version = -1): Promise<void> {
    const trace = `delete ${version >= 0 ? `-v ${version} ` : ''}${path}`;
    const deadline = Date.now() + this.options.requestTimeoutMs;
    let resent = false;
    for (;;) {
      try {
        await this.send('delete', path, trace, deadline, (lib, cb) => lib.remove(path, version, cb), () => undefined);
        return;
      } catch (error) {
        if (error instanceof NoNodeError && resent) return;
        if (!(error instanceof ConnectionLossError) || version >= 0 || Date.now() >= deadline) throw error;
        resent = true;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  /** Creates the node and any missing parents (persistent, empty), like `mkdir -p`. Resolves true if it created the node itself. */
  async mkdirp(path: string, data: Buffer = Buffer.alloc(0)): Promise<boolean> {
    if (path === '/' || (await this.exists(path))) return false;
    const segments = path.slice(1).split('/');
    let current = '';
    for (let i = 0; i < segments.length; i += 1) {
      current = `${current}/${segments[i]}`;
      const last = i === segments.length - 1;
      for (;;) {
        try {
          await this.create(current, last ? data : Buffer.alloc(0));
          if (last) return true;
        } catch (error) {
          // A create cut off by a connection loss may have landed: look before creating again.
          if (error instanceof ConnectionLossError && !(await this.exists(current))) continue;
          // Another client may create any level at the same moment; that is success for us.
          if (!(error instanceof NodeExistsError) && !(error instanceof ConnectionLossError)) throw error;
        }
        break;
      }
    }
    return false;
  }

  /**
   * Every path of the subtree under `path` (itself included), parents before children. Our own breadth-first
   * walk: the library's listSubTreeBFS stops after one level since its async@3 upgrade (#127).
   */
  async listTree(path: string): Promise<string[]> {
    const result: string[] = [path];
    let level = [path];
    while (level.length > 0) {
      const next: string[] = [];
      const listed = await Promise.all(
        level.map((p) =>
          this.getChildren(p).then(
            (r) => r.children.map((c) => joinPath(p, c)),
            (error: unknown) => {
              // A node deleted while we walk simply has no subtree any more.
              if (error instanceof NoNodeError) return [];
              throw error;
            },
          ),
        ),
      );
      for (const children of listed) next.push(...children);
      result.push(...next);
      level = next;
    }
    return result;
  }

  /** Deletes `path` and its whole subtree, deepest first; `version` applies to `path` itself. */
  async removeTree(path: string, version = -1): Promise<number> {
    const paths = await this.listTree(path);
    let removed = 0;
    for (const p of paths.reverse()) {
      try {
        await this.remove(p, p === path ? version : -1);
        removed += 1;
      } catch (error) {
        if (!(error instanceof NoNodeError) || p === path) throw error;
      }
    }
    return removed;
  }
}

const RAW_MODES: Record<CreateMode, number> = {
  persistent: RawCreateMode.PERSISTENT,
  ephemeral: RawCreateMode.EPHEMERAL,
  'persistent-sequential': RawCreateMode.PERSISTENT_SEQUENTIAL,
  'ephemeral-sequential': RawCreateMode.EPHEMERAL_SEQUENTIAL,
};

function eventType(raw: number): WatchEventType {
  switch (raw) {
    case RawEventType.NODE_CREATED:
      return 'created';
    case RawEventType.NODE_DELETED:
      return 'deleted';
    case RawEventType.NODE_DATA_CHANGED:
      return 'changed';
    default:
      return 'children';
  }
}

export { ZkError };
