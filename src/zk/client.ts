import { EventEmitter } from 'node:events';
import { formatServer, parseConnectionString, type ConnectionString } from './connection-string.js';
import {
  BadArgumentsError,
  ChrootMissingError,
  ConnectAbortedError,
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
  type LibAcl,
  type LibServer,
  type LibException,
  type LibStat,
  type LibWatcher,
} from './library.js';
import { FrameSplitter } from './frames.js';
import { ServerHeardClock } from './heard-clock.js';
import { joinPath, validatePath } from './paths.js';
import { issueGetAcl, issueSetAcl, toLibAcls, type Acl } from './acl.js';
import { TlsHandshakeError, type TlsOptions } from './tls-options.js';
import { hex, toStat, type Stat } from './stat.js';
import { issueSync } from './sync.js';
import { issueCreateContainer } from './container.js';
import { createMode, quoteData } from './trace.js';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  RequestDroppedError,
  RequestTooLargeError,
  createRequestBytes,
  serverPath,
  setDataRequestBytes,
} from './request-size.js';
import { LIBRARY_VALUE_LIMIT, issueLargeCreate, issueLargeSetData } from './large-values.js';

/**
 * The session as recipes see it:
 * - `connecting`: before the first connect completes;
 * - `connected`: requests flow;
 * - `suspended`: the connection dropped or went silent; the session may still live, ephemerals may still exist;
 * - `lost`: the session is gone (server said expired, our local timer ran out, or auth failed): ephemerals and
 *   watches must be assumed gone, and this client is dead;
 * - `closed`: we closed it.
 */
export type ConnectionState = 'connecting' | 'connected' | 'suspended' | 'lost' | 'closed';

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
  /** Speak TLS to every host (ZooKeeper's secureClientPort); see tls-transport.ts. */
  tls?: TlsOptions;
  /** Called with the zkCli equivalent of every operation, before it is sent. */
  onTrace?: (command: string) => void;
  /**
   * While connecting, when every host has refused the TCP connection (nothing listens): true ends the connect
   * at once with ConnectFailedError (`refused`), for one-shot commands; false keeps trying until the deadline.
   */
  failWhenRefused?: boolean;
  /** While connecting: a host was abandoned (refused, silent, garbage, closed), with the reason. */
  onHostFailed?: (server: string, why: string) => void;
  /**
   * The server's jute.maxbuffer: requests over it are refused before sending (RequestTooLargeError). Default
   * 1,048,575 bytes, ZooKeeper's own default.
   */
  maxRequestBytes?: number;
  /**
   * Ends a connect still in progress (ConnectAbortedError): its sockets and timers go at once, so a process
   * told to stop while connecting is not kept alive by them until --connect-timeout.
   */
  signal?: AbortSignal;
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
  /** A reply proved the server heard us later than we knew (`heardUsAt` moved; at most once per chunk read). */
  heard: [];
}

interface InFlight {
  reject(error: Error): void;
  path?: string;
}

/**
 * How many times in a row one large request (operation and path) may be cut off by the connection closing
 * while it was in flight before it is no longer sent. A server closes the connection on a request over its
 * jute.maxbuffer; re-sending it reconnects and is cut off again, for ever (issue 10 saw ~840 reconnects in
 * 10 s). Only requests of at least DROP_COUNTED_BYTES count: a small request cannot be over any server's
 * limit, and a flapping connection that cuts a watch's re-read three times in a row must not end the watch
 * (test/e2e/reconnects.e2e.test.ts found exactly that).
 */
const MAX_DROPS_PER_REQUEST = 3;
const DROP_COUNTED_BYTES = 64 * 1024;

const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** node-zookeeper-client waits random(0..spinDelay) after trying every host once; 1 s default is slow on failover. */
const SPIN_DELAY_MS = 300;

/**
 * A ZooKeeper session with a promise API, deadlines and the liveness the library lacks.
 *
 * node-zookeeper-client 1.1.3 never notices a silent server (its issue #13), never reports expiry during a partition (#20),
 * never calls back requests queued before an expiry, and crashes on codes newer than 3.4 (#70, all node-zookeeper-client issues). This class owns
 * the library client and adds: pings every T/8 of our own writes' idleness, a watchdog that drops a socket
 * silent for T/4 (so the library moves to the next host, as the Java client and kazoo do), a local expiry
 * timer (the session is `lost` once no reply has proved for the whole negotiated timeout that the server
 * heard us: heard-clock.ts), a deadline on connect and on every request, and a close that waits for the
 * server to confirm, so our ephemeral nodes are gone when `close()` resolves.
 */
export class ZkClient extends EventEmitter<ClientEvents> {
  readonly connection: ConnectionString;
  private readonly options: Required<Omit<ZkClientOptions, 'digestAuth' | 'onTrace' | 'tls' | 'failWhenRefused' | 'onHostFailed' | 'maxRequestBytes' | 'signal'>> &
    ZkClientOptions;
  private lib: LibClient | undefined;
  private cm: LibConnectionManager | undefined;
  private current: ConnectionState | undefined;
  private lossReason: SessionLossReason | undefined;
  private negotiatedTimeoutMs = 0;
  private sessionIdValue = 0n;
  private lastHeardValue = 0;
  private readonly heardClock = new ServerHeardClock();
  private silenceTimer: NodeJS.Timeout | undefined;
  private tcpConnectedAt: number | undefined;
  private serverNow: string | undefined;
  private readonly hostErrors: Record<string, string> = {};
  /**
   * Handshakes without a reply in a row, on any host, since the last connection (the next waits twice as long,
   * up to the share). One count for all hosts: when every server is slow, the time thrown away on short waits
   * stays under one share whatever the number of hosts.
   */
  private handshakeMisses = 0;
  private readonly triedHosts = new Set<string>();
  /** Hosts that failed in a way a retry within this connect cannot mend (a rejected certificate). */
  private readonly hopelessHosts = new Set<string>();
  private readonly probedHosts = new Set<string>();
  /** While connecting: ends the connect at once when every host is hopeless. */
  private onHopeless: (() => void) | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<InFlight>();
  private readonly stateWaiters = new Set<() => void>();
  private readonly watcherWrappers = new WeakMap<Watcher, LibWatcher>();
  /** Requests (operation and path) cut off by a closing connection, and how many times in a row. */
  private readonly drops = new Map<string, number>();
  /** The chroot of the connection string was seen to exist. */
  private chrootSeen = false;
  private closing = false;
  private closeConfirmed = false;
  /** Called after each chunk of replies has been decoded (close() uses it to see its reply arrive). */
  private onReplies: (() => void) | undefined;

  /** The wait before another round of the hosts (the library's spinDelay), while reconnecting. */
  private spinTimer: NodeJS.Timeout | undefined;

  /** The handshake deadline of the current socket (a host that accepts TCP and never answers). */
  private handshakeTimer: NodeJS.Timeout | undefined;

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
    return this.current ?? 'connecting';
  }

  /** When (epoch ms) the last byte came from the server: the connection's liveness. */
  get lastHeardAt(): number {
    return this.lastHeardValue;
  }

  /**
   * By when (epoch ms) the server had provably heard us: the send time of the newest request it answered
   * (heard-clock.ts). The server cannot expire the session before this + the timeout.
   */
  get heardUsAt(): number {
    return this.heardClock.heardUsAt;
  }

  /** When (epoch ms) we last wrote a packet: the server may count the session's timeout from as late as this. */
  get lastSentAt(): number {
    return this.heardClock.lastSentAt;
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

  /** The largest request (bytes after the length prefix) sent to the server: its assumed jute.maxbuffer. */
  get maxRequestBytes(): number {
    return this.options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  }

  /** The path as the server sees it (with the chroot), for request sizes. @internal */
  serverPath(path: string): string {
    return serverPath(this.connection.chroot, path);
  }

  /** The deadline of a request issued now. @internal */
  requestDeadline(): number {
    return Date.now() + this.options.requestTimeoutMs;
  }

  private trace(command: string): void {
    this.options.onTrace?.(command);
  }

  private async start(): Promise<void> {
    // node:tls only when asked for (~5 ms of every plain one-shot command otherwise).
    const transport = this.options.tls ? await import('./tls-transport.js') : undefined;
    const lib = loadLibrary();
    this.lib = lib.createClient(this.connection.normalised, {
      sessionTimeout: this.options.sessionTimeoutMs,
      spinDelay: SPIN_DELAY_MS,
      // Library retries re-send non-idempotent creates and duplicate sequential nodes (shared notes, node-zookeeper-client.md): never.
      retries: 0,
    });
    const cm = this.lib.connectionManager;
    this.cm = cm;
    if (transport && this.options.tls) transport.installTlsTransport(cm, this.options.tls);
    this.hookConnectionManager(cm);
    cm.on('state', (raw) => this.onRawState(raw));
    if (this.options.digestAuth !== undefined) this.lib.addAuthInfo('digest', Buffer.from(this.options.digestAuth));
    this.trace(`connect ${this.options.tls ? 'tls://' : ''}${this.connection.normalised}`);
    const deadline = Date.now() + this.options.connectTimeoutMs;
    this.lastHeardValue = Date.now();
    this.watchdog = setInterval(() => this.checkLiveness(), this.watchdogPeriod());
    this.watchdog.unref();
    this.lib.connect();
    return new Promise<void>((resolve, reject) => {
      // `early` comes from the caller, not the clock: a timer may fire a millisecond before Date.now() reaches
      // the deadline, which once made the deadline's own failure read as "given up early".
      const fail = (early: boolean): void => {
        cleanup();
        this.kill();
        this.current = 'closed';
        // The hosts actually tried, in order (a silent first host can use up the deadline before the rest).
        const hosts = this.triedHosts.size > 0 ? [...this.triedHosts] : this.connection.servers.map(formatServer);
        const refused = this.connection.servers.every((s) => this.hostErrors[formatServer(s)] === 'ECONNREFUSED');
        reject(new ConnectFailedError(hosts, this.options.connectTimeoutMs, this.hostErrors, early, refused));
      };
      const timer = setTimeout(() => fail(false), Math.max(0, deadline - Date.now()));
      const signal = this.options.signal;
      const onAbort = (): void => {
        cleanup();
        this.kill();
        this.current = 'closed';
        reject(new ConnectAbortedError());
      };
      // A certificate every host rejected (or we rejected from every host) will not change before the
      // deadline: say so now instead of retrying for the rest of --connect-timeout.
      this.onHopeless = () => fail(true);
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
        this.onHopeless = undefined;
        this.off('state', onState);
        signal?.removeEventListener('abort', onAbort);
      };
      this.on('state', onState);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * A sixth of the session timeout, for the handshake check (a host that accepts TCP and never answers). The
   * silence of a connected server and the local expiry have exact one-shot timers (`heardNow`, `armExpiry`).
   */
  private watchdogPeriod(): number {
    return Math.max(50, Math.min(2000, Math.floor(this.options.sessionTimeoutMs / 6)));
  }

  /**
   * How long one host may take (TCP connect and handshake) before the next is tried. While connecting, a share
   * of --connect-timeout, so one bad host cannot use up the whole deadline of the others; once connected, a
   * share of the session timeout (as the Java client), never more than 2/3 of it. At least 500 ms.
   */
  private hostShareMs(): number {
    const n = this.connection.servers.length;
    if (this.current === undefined) return Math.max(500, Math.floor(this.options.connectTimeoutMs / n));
    const timeout = this.negotiatedTimeoutMs || this.options.sessionTimeoutMs;
    return Math.max(500, Math.floor(Math.min((timeout * 2) / 3, timeout / n)));
  }

  /**
   * How long a socket whose TCP is up waits for the handshake reply: an eighth of the host's share (at least a
   * second) the first time, twice as long after each miss in a row (any host), never more than the share.
   * A healthy server answers in milliseconds; a wedged one may never answer nor close: ZooKeeper 3.8 itself
   * leaves a socket open and silent when a connection reaches it while it is still starting (its close of that
   * connection throws a NullPointerException in ZooKeeperServer.removeCnxn, seen in its log here), and a
   * whole share then cost 40 s of a 60 s session before the reconnect went on. A server slow to answer is still
   * reached: the wait doubles until it fits.
   */
  private handshakeWaitMs(): number {
    const share = this.hostShareMs();
    return Math.min(share, Math.max(1000, Math.floor(share / 8)) * 2 ** Math.min(this.handshakeMisses, 10));
  }

  /** A host failed: remember why, tell the caller while connecting, and end the connect if all refuse. */
  private hostFailed(server: string, why: string): void {
    this.hostErrors[server] = why;
    if (this.current !== undefined) return;
    this.options.onHostFailed?.(server, why);
    if (
      this.options.failWhenRefused &&
      this.onHopeless &&
      this.connection.servers.every((s) => this.hostErrors[formatServer(s)] === 'ECONNREFUSED')
    ) {
      const fail = this.onHopeless;
      process.nextTick(fail);
    }
  }

  private disarmHandshake(): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
  }

  /**
   * Checks the first frame on a socket still in the handshake, before the library decodes it: a ConnectResponse
   * is 36 or 37 bytes (the read-only flag is optional), and a server never answers a new session with
   * "expired". Anything else is not ZooKeeper, and decoding it would leave a partial frame waiting for ~2 GB, or
   * a bogus "expired" that kills the session before the next host is tried. Returns why, or undefined.
   */
  private rejectHandshakeFrame(frame: Buffer): string | undefined {
    if (frame.length < 4) return undefined;
    const size = frame.readInt32BE(0);
    if (size !== 36 && size !== 37) {
      return size < 0 || size > 1024 ? `announced a ${size}-byte handshake reply (not ZooKeeper?)` : `sent a ${size}-byte handshake reply, not ZooKeeper's 36 (garbage)`;
    }
    if (frame.length >= 12 && frame.readInt32BE(8) <= 0 && this.sessionIdValue === 0n) {
      return 'answered a new session with "expired" (garbage)';
    }
    return undefined;
  }

  /**
   * The library pings after a third of the timeout of idleness, so a dead server could go unnoticed for 2/3 of
   * it. We ping every eighth and call a connected server silent after a quarter (two pings unanswered): the
   * supervision margin (hold/) needs to know early, to stop a holder's command well before the server can
   * expire the session and let another client hold.
   */
  static silenceLimitMs(timeoutMs: number): number {
    return Math.max(200, Math.floor(timeoutMs / 4));
  }

  private static pingIntervalMs(timeoutMs: number): number {
    return Math.max(100, Math.floor(timeoutMs / 8));
  }

  /** A byte came from the server: restart the silence timer. */
  private heardNow(): void {
    const now = Date.now();
    this.lastHeardValue = now;
    this.silenceTimer?.refresh();
    // The library pings when its socket has been idle, and reads count as activity: a steady stream of
    // notifications with nothing written would starve the proofs the margin lives on. Ping on our writes' age.
    const cm = this.cm;
    if (cm && cm.state === RawState.CONNECTED && now - this.heardClock.lastSentAt >= cm.pingTimeout) cm.onSocketTimeout();
  }

  /** A reply proved the server heard us later than we knew: holders renew their deadline (once per chunk). */
  private heardUs(): void {
    if (this.current !== 'lost' && this.current !== 'closed') this.emit('heard');
  }

  private armSilence(): void {
    this.disarmSilence();
    const timeout = this.negotiatedTimeoutMs || this.options.sessionTimeoutMs;
    const limit = ZkClient.silenceLimitMs(timeout);
    const decide = (): void => {
      const silentFor = Date.now() - this.lastHeardValue;
      if (this.cm?.state === RawState.CONNECTED && silentFor >= limit) this.dropSocket(`no reply for ${silentFor} ms`);
      else this.silenceTimer?.refresh();
    };
    // Timers run before the poll phase: after a stall of our own event loop (GC, a starved CPU) the timer
    // would fire before the replies waiting in the socket are read. setImmediate runs after the poll phase,
    // so they are counted first (a burst of writes was re-sent after such a false "silence" on a loaded machine).
    this.silenceTimer = setTimeout(() => setImmediate(decide), limit);
    this.silenceTimer.unref();
  }

  private disarmSilence(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
  }

  /** While suspended: a one-shot timer for the moment the whole session timeout has passed without a word. */
  private armExpiry(): void {
    this.disarmExpiry();
    const remaining = this.heardClock.heardUsAt + this.negotiatedTimeoutMs - Date.now();
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
    // Whole frames only, one at a time: the library's own reassembly is quadratic (frames.ts).
    const frames = new FrameSplitter();
    // The handshake check looks at the first chunk of each socket only (a reply split before its length
    // prefix is left to the frame splitter).
    let firstChunk = false;
    cm.onSocketData = (buffer: Buffer) => {
      // Silent for the whole session timeout (a paused process, a partition): the server has expired us
      // whatever these bytes say. Losing here, before they are decoded, means nothing acts on a dead session.
      if (this.presumedExpired()) return this.lose('timeout');
      if (cm.state === RawState.CONNECTING && firstChunk) {
        firstChunk = false;
        const bad = this.rejectHandshakeFrame(buffer);
        if (bad) {
          this.tcpConnectedAt = undefined;
          if (this.serverNow) this.hostFailed(this.serverNow, bad);
          this.dropSocket(bad);
          return;
        }
      }
      this.heardNow();
      try {
        let provedLater = false;
        for (const frame of frames.push(buffer)) {
          onData.call(cm, frame);
          // Counted once decoded, and not when it ended the session (an "expired" ConnectResponse).
          if (this.heardClock.received(frame, this.current !== 'lost')) provedLater = true;
        }
        if (provedLater) this.heardUs();
        this.onReplies?.();
      } catch (error) {
        // Malformed frames and unknown watch event types throw here, inside the socket handler (node-zookeeper-client #39, #89):
        // drop this socket instead of the process; the library reconnects and the session resumes.
        frames.reset();
        this.dropSocket(`undecodable reply (${(error as Error).message})`);
      }
    };
    const onConnected = cm.onSocketConnected;
    cm.onSocketConnected = () => {
      this.tcpConnectedAt = Date.now();
      frames.reset();
      this.heardClock.reset();
      // Every packet the library sends is one write on this socket, the ConnectRequest (next, in onConnected) first.
      const socket = cm.socket as { write: (...args: unknown[]) => boolean } | undefined;
      if (socket) {
        const write = socket.write;
        const clock = this.heardClock;
        socket.write = function (this: unknown, ...args: unknown[]): boolean {
          clock.sent(Date.now(), args[0] instanceof Uint8Array ? args[0] : undefined);
          return write.apply(this, args);
        };
      }
      firstChunk = true;
      this.disarmHandshake();
      const host = this.serverNow;
      const wait = this.handshakeWaitMs();
      this.handshakeTimer = setTimeout(() => {
        this.handshakeTimer = undefined;
        if (cm.state !== RawState.CONNECTING) return;
        this.tcpConnectedAt = undefined;
        this.handshakeMisses += 1;
        if (host) this.hostFailed(host, `no handshake reply in ${wait} ms`);
        this.dropSocket(`no handshake reply in ${wait} ms`);
      }, wait);
      this.handshakeTimer.unref();
      onConnected.call(cm);
    };
    const onError = cm.onSocketError;
    cm.onSocketError = (error: Error) => {
      const server = this.serverNow;
      if (server) {
        this.hostFailed(server, error instanceof TlsHandshakeError ? error.message : ((error as NodeJS.ErrnoException).code ?? error.message));
        if (error instanceof TlsHandshakeError && error.definitive) this.markHopeless(server);
      }
      onError.call(cm, error);
    };
    const onClosed = cm.onSocketClosed;
    cm.onSocketClosed = (hadError: boolean) => {
      this.disarmHandshake();
      // TCP (and TLS) was up but the ZooKeeper handshake got no reply: the server hung up on our ConnectRequest.
      // Plain ZooKeeper does that while it does not serve (no quorum yet); a TLS port does it to plain text.
      if (!hadError && cm.state === RawState.CONNECTING && this.tcpConnectedAt !== undefined && this.serverNow) {
        const server = this.serverNow;
        this.hostFailed(
          server,
          this.options.tls
            ? 'closed the connection before answering the handshake'
            : 'closed the connection before answering the handshake (not serving yet, or a TLS port: try --tls)',
        );
        // Only while connecting, once per host: is it a TLS port? Then no retry will help a plain client.
        const found = this.connection.servers.find((s) => formatServer(s) === server);
        if (!this.options.tls && this.onHopeless && found && !this.probedHosts.has(server)) {
          this.probedHosts.add(server);
          void import('./tls-transport.js').then(async ({ speaksTls }) => {
            const tls = await speaksTls(found.host, found.port);
            if (!tls) return;
            this.hostErrors[server] = 'the server speaks TLS on this port (use --tls with --tls-ca)';
            this.markHopeless(server);
          });
        }
      }
      onClosed.call(cm, hadError);
    };
    const findNext = cm.findNextServer;
    const rotation = cm as unknown as { serverAttempts: number; nextServerIndex: number };
    cm.findNextServer = (callback) => {
      const next = (server: LibServer): void => {
        this.serverNow = formatServer(server);
        this.triedHosts.add(this.serverNow);
        this.tcpConnectedAt = undefined;
        // node-zookeeper-client keeps per-socket state on the ConnectionManager: a partial frame from the last
        // host (a huge length prefix) would be prepended to this host's handshake reply, and a connect timer
        // of a socket that closed before TCP was up would destroy this one. Start each host clean.
        (cm as unknown as { pendingBuffer: Buffer | null }).pendingBuffer = null;
        if (cm.connectTimeoutHandler) clearTimeout(cm.connectTimeoutHandler);
        cm.connectTimeoutHandler = null;
        this.disarmHandshake();
        // The library's TCP connect timer: the same bounded share as the handshake.
        cm.connectTimeout = this.hostShareMs();
        callback(server);
      };
      if (rotation.serverAttempts === cm.servers.length) {
        // Every host tried once: the library waits random(0..spinDelay) on an anonymous timer, which kept a
        // stopped process alive for up to that long. The same wait, on a timer kill() clears.
        rotation.nextServerIndex %= cm.servers.length;
        this.spinTimer = setTimeout(() => {
          this.spinTimer = undefined;
          const server = cm.servers[rotation.nextServerIndex] as LibServer;
          rotation.nextServerIndex += 1;
          rotation.serverAttempts = 0;
          next(server);
        }, Math.random() * SPIN_DELAY_MS);
        return;
      }
      findNext.call(cm, next);
    };
  }

  /** A host no retry can mend within this connect; when all are, the connect ends now. */
  private markHopeless(server: string): void {
    this.hopelessHosts.add(server);
    if (this.connection.servers.every((s) => this.hopelessHosts.has(formatServer(s)))) {
      // After the library has handled the error that told us.
      const hopeless = this.onHopeless;
      if (hopeless) process.nextTick(hopeless);
    }
  }

  private dropSocket(why: string): void {
    const socket = this.cm?.socket;
    if (!socket || socket.destroyed) return;
    this.emit('socketDropped', { server: this.serverNow ?? '?', why });
    socket.destroy();
  }

  /** Runs every watchdogPeriod: the local expiry check (the silence and handshake timers are per socket). */
  private checkLiveness(): void {
    const cm = this.cm;
    if (!cm || this.current === 'lost' || this.current === 'closed') return;
    if (this.presumedExpired()) {
      this.lose('timeout');
      return;
    }
    // The handshake deadline is a per-socket timer armed in onSocketConnected: the library clears its connect
    // timer once TCP is up, so a host that accepts and never answers would hang it forever (shared notes).
  }

  /**
   * Expiry is decided by the server from the last packet it got from us; the send time of the newest request
   * it answered is our best lower bound. Past the negotiated timeout since then, the server has (or soon will
   * have) expired us.
   */
  private presumedExpired(): boolean {
    if (this.negotiatedTimeoutMs === 0 || (this.current !== 'connected' && this.current !== 'suspended')) return false;
    return Date.now() - this.heardClock.heardUsAt >= this.negotiatedTimeoutMs;
  }

  private onRawState(raw: number): void {
    const cm = this.cm;
    if (!cm) return;
    switch (raw) {
      case RawState.CONNECTED:
      case RawState.CONNECTED_READ_ONLY:
        this.lastHeardValue = Date.now();
        this.tcpConnectedAt = undefined;
        this.negotiatedTimeoutMs = cm.sessionTimeout;
        this.handshakeMisses = 0;
        this.sessionIdValue = cm.sessionId.readBigInt64BE(0);
        // Read by the library right after this state event, for this socket's idle timer and each re-arm.
        cm.pingTimeout = ZkClient.pingIntervalMs(this.negotiatedTimeoutMs);
        this.disarmExpiry();
        this.armSilence();
        this.setState('connected');
        break;
      case RawState.DISCONNECTED:
        this.disarmSilence();
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
   * only queues CLOSE_SESSION and, while disconnected, can leave sockets and reconnects behind (node-zookeeper-client #60).
   */
  private kill(): void {
    this.disarmHandshake();
    if (this.spinTimer) clearTimeout(this.spinTimer);
    this.spinTimer = undefined;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    this.disarmExpiry();
    this.disarmSilence();
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
   * nodes are already gone for every other client when this resolves. Resolves true when the server confirmed
   * the close (or it was confirmed before), false when it could not: disconnected, lost, or no answer in time —
   * then the server keeps the session, and its ephemerals, until it expires. Safe to call more than once.
   */
  async close(): Promise<boolean> {
    if (this.current === 'closed') return this.closeConfirmed;
    if (this.current === 'lost' || !this.lib || !this.cm) {
      this.kill();
      this.current = 'closed';
      // A lost session is gone on the server too (expired, or we gave up on it after the whole timeout).
      this.closeConfirmed = this.lossReason !== undefined;
      return this.closeConfirmed;
    }
    const cm = this.cm;
    let confirmed = false;
    if (cm.state === RawState.CONNECTED) {
      this.closing = true;
      this.trace('close');
      await new Promise<void>((resolve) => {
        const done = (answered: boolean): void => {
          clearTimeout(cap);
          this.onReplies = undefined;
          confirmed ||= answered;
          resolve();
        };
        const cap = setTimeout(() => done(false), 1000);
        // The server answers CLOSE_SESSION after it has applied it (session and ephemerals gone), then closes
        // the socket. The answer is the confirmation: waiting for the socket's close as well cost ~2 ms of
        // every one-shot command. The library writes CLOSE_SESSION synchronously, as its last request.
        this.lib?.close();
        const closeRequest = cm.pendingQueue[cm.pendingQueue.length - 1];
        this.onReplies = () => {
          if (!cm.pendingQueue.includes(closeRequest)) done(true);
        };
        cm.on('state', (raw) => {
          // Only the answer confirms: a socket that closes without it proves nothing.
          if (raw === RawState.CLOSED || raw === RawState.DISCONNECTED) done(false);
        });
      });
    }
    this.kill();
    for (const request of [...this.inFlight]) request.reject(new SessionLostError('closed', request.path));
    this.inFlight.clear();
    this.closeConfirmed = confirmed;
    this.setState('closed');
    return confirmed;
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
   * timeout, and behind the auth replay: shared notes, node-zookeeper-client.md); we wait for the reconnect within the deadline instead.
   * Never re-sent. Also the way in for request modules of src/zk/ (multi.ts) that build requests the library
   * has no method for; stripped from the published types (it takes the library's shapes).
   * @internal
   */
  async send<T>(
    operation: string,
    path: string | undefined,
    trace: string,
    deadline: number,
    issue: (lib: LibClient, callback: LibCallback) => void,
    onResult: (results: unknown[]) => T,
    requestBytes?: number,
  ): Promise<T> {
    try {
      return await this.sendOnce(operation, path, trace, deadline, issue, onResult, requestBytes);
    } catch (error) {
      if (error instanceof NoNodeError && this.connection.chroot !== undefined && !this.chrootSeen) await this.checkChroot(deadline);
      throw error;
    }
  }

  /**
   * The library accepts a chroot that does not exist, and every request under it then fails NO_NODE with a
   * path the user never typed (shared notes, node-zookeeper-client.md). After a NoNodeError, once the chroot
   * is known to exist no more checks: otherwise say which node is missing.
   */
  private async checkChroot(deadline: number): Promise<void> {
    const chroot = this.connection.chroot as string;
    let stat: unknown;
    try {
      stat = await this.sendOnce('stat', '/', 'stat / (the chroot)', deadline, (lib, cb) => lib.exists('/', undefined, cb), ([s]) => s ?? null);
    } catch {
      return;
    }
    if (stat) this.chrootSeen = true;
    else throw new ChrootMissingError(chroot);
  }

  private async sendOnce<T>(
    operation: string,
    path: string | undefined,
    trace: string,
    deadline: number,
    issue: (lib: LibClient, callback: LibCallback) => void,
    onResult: (results: unknown[]) => T,
    requestBytes?: number,
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
    const dropKey = `${operation} ${path ?? ''}`;
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
            } else if (error.code === -4 && requestBytes !== undefined && requestBytes >= DROP_COUNTED_BYTES) {
              const drops = (this.drops.get(dropKey) ?? 0) + 1;
              if (drops >= MAX_DROPS_PER_REQUEST) {
                this.drops.delete(dropKey);
                finish(new RequestDroppedError(operation, drops, requestBytes, path));
              } else {
                // Bounded: a session touching ever new paths only keeps the ones cut off lately.
                if (this.drops.size >= 256) this.drops.clear();
                this.drops.set(dropKey, drops);
                finish(new ConnectionLossError(path));
              }
            } else {
              this.drops.delete(dropKey);
              finish(errorForCode(typeof error.code === 'number' ? error.code : -1, path));
            }
            return;
          }
          this.drops.delete(dropKey);
          try {
            finish(null, onResult(results));
          } catch (e) {
            finish(e as Error);
          }
        });
      } catch (error) {
        // The library asserts its arguments synchronously (a bad path; values over 1 MiB go around it).
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
    requestBytes?: number,
  ): Promise<T> {
    const deadline = Date.now() + this.options.requestTimeoutMs;
    for (;;) {
      try {
        return await this.send(operation, path, trace, deadline, issue, onResult, requestBytes);
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
    // watcher keeps re-arming from piling up listeners (node-zookeeper-client #72, #95).
    let wrapped = this.watcherWrappers.get(watcher);
    if (!wrapped) {
      wrapped = (event) => watcher({ type: eventType(event.type), path: event.path });
      this.watcherWrappers.set(watcher, wrapped);
    }
    return wrapped;
  }

  /**
   * Adds digest credentials to this session (zkCli `addauth digest user:password`). The server answers
   * nothing (a wrong password only shows as NoAuthError later); the library sends them again on every reconnect.
   */
  addDigestAuth(credentials: string): void {
    if (!this.lib || this.current === 'lost' || this.current === 'closed') throw new SessionLostError(this.lossReason ?? 'closed');
    this.trace(`addauth digest ${credentials.split(':')[0]}:…`);
    this.lib.addAuthInfo('digest', Buffer.from(credentials));
  }

  /**
   * Resolves with the created path (with the sequence suffix for sequential modes). `acl` defaults to
   * world:anyone:cdrwa, as zkCli's create.
   */
  create(path: string, data: Buffer = Buffer.alloc(0), mode: CreateMode = 'persistent', aclList?: readonly Acl[]): Promise<string> {
    const ephemeral = mode.startsWith('ephemeral');
    const sequential = mode.endsWith('sequential');
    const raw = RAW_MODES[mode];
    const acl = aclList ? toLibAcls(aclList) : loadLibrary().ACL.OPEN_ACL_UNSAFE;
    const aclTrace = aclList ? ` ${aclList.map((a) => `${a.scheme}:${a.id}:${a.perms}`).join(',')}` : '';
    const bytes = this.checkCreateSize(path, data, acl);
    if (bytes instanceof Error) return Promise.reject(bytes);
    return this.send(
      'create',
      path,
      `create ${createMode(ephemeral, sequential)}${path} ${quoteData(data)}${aclTrace}`,
      Date.now() + this.options.requestTimeoutMs,
      (lib, cb) => (data.length > LIBRARY_VALUE_LIMIT ? issueLargeCreate(lib, path, data, acl, raw, cb) : lib.create(path, data, acl, raw, cb)),
      ([created]) => created as string,
      bytes,
    );
  }

  /** The size of a create request, or RequestTooLargeError when it is over maxRequestBytes. */
  private checkCreateSize(path: string, data: Buffer, acl: readonly LibAcl[]): number | RequestTooLargeError {
    const bytes = createRequestBytes(this.serverPath(path), data, acl.map((a) => a.id));
    if (bytes <= this.maxRequestBytes) return bytes;
    return RequestTooLargeError.forValue('create', path, data.length, bytes, this.maxRequestBytes);
  }

  /**
   * Creates a container node (zkCli `create -c`): persistent until its last child is deleted, then removed
   * by the server. Not re-sent after a connection loss (like create).
   */
  createContainer(path: string, data: Buffer = Buffer.alloc(0)): Promise<string> {
    const acl = loadLibrary().ACL.OPEN_ACL_UNSAFE;
    const bytes = this.checkCreateSize(path, data, acl);
    if (bytes instanceof Error) return Promise.reject(bytes);
    return this.send(
      'create',
      path,
      `create -c ${path} ${quoteData(data)}`,
      Date.now() + this.options.requestTimeoutMs,
      (lib, cb) => issueCreateContainer(lib, path, data, acl, cb),
      ([created]) => created as string,
      bytes,
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

  /**
   * Makes the connected server catch up with the leader (SYNC): reads sent after it resolves see every write
   * committed before it was sent, from any client on any server. Idempotent, so re-sent after a connection loss.
   */
  sync(path: string): Promise<void> {
    return this.sendIdempotent('sync', path, `sync ${path}`, (lib, cb) => issueSync(lib, path, cb), () => undefined);
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
   * unlike the library's Transaction builder (node-zookeeper-client #67), which we never use.
   */
  setData(path: string, data: Buffer, version = -1): Promise<Stat> {
    const trace = `set ${version >= 0 ? `-v ${version} ` : ''}${path} ${quoteData(data)}`;
    const bytes = setDataRequestBytes(this.serverPath(path), data);
    if (bytes > this.maxRequestBytes) return Promise.reject(RequestTooLargeError.forValue('set', path, data.length, bytes, this.maxRequestBytes));
    const issue = (lib: LibClient, cb: LibCallback): void =>
      data.length > LIBRARY_VALUE_LIMIT ? issueLargeSetData(lib, path, data, version, cb) : lib.setData(path, data, version, cb);
    const onResult = ([stat]: unknown[]): Stat => toStat(stat as LibStat);
    if (version >= 0) return this.send('set', path, trace, Date.now() + this.options.requestTimeoutMs, issue, onResult, bytes);
    return this.sendIdempotent('set', path, trace, issue, onResult, bytes);
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

  /**
   * Creates the node and any missing parents (persistent, empty), like `mkdir -p`, each with `acl` (default
   * open). Resolves true if it created the node itself.
   */
  async mkdirp(path: string, data: Buffer = Buffer.alloc(0), acl?: readonly Acl[]): Promise<boolean> {
    if (path === '/' || (await this.exists(path))) return false;
    const segments = path.slice(1).split('/');
    let current = '';
    for (let i = 0; i < segments.length; i += 1) {
      current = `${current}/${segments[i]}`;
      const last = i === segments.length - 1;
      for (;;) {
        try {
          await this.create(current, last ? data : Buffer.alloc(0), 'persistent', acl);
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

  /** The node's ACL and stat (`getAcl`). */
  getAcl(path: string): Promise<{ acl: Acl[]; stat: Stat }> {
    return this.sendIdempotent(
      'getAcl',
      path,
      `getAcl ${path}`,
      (lib, cb) => issueGetAcl(lib.connectionManager, path, (error, acl, stat) => cb(error as LibException | null, acl, stat)),
      ([acl, stat]) => ({ acl: acl as Acl[], stat: toStat(stat as LibStat) }),
    );
  }

  /**
   * Replaces the node's ACL. With a version (the node's aversion) it is a compare-and-set, not re-sent after a
   * connection loss; without, it is idempotent.
   */
  setAcl(path: string, acl: readonly Acl[], version = -1): Promise<Stat> {
    if (acl.length === 0) return Promise.reject(new BadArgumentsError('an ACL needs at least one entry', path));
    const trace = `setAcl ${version >= 0 ? `-v ${version} ` : ''}${path} ${acl.map((a) => `${a.scheme}:${a.id}:${a.perms}`).join(',')}`;
    const issue = (lib: LibClient, cb: LibCallback): void =>
      issueSetAcl(lib.connectionManager, path, acl, version, (error, stat) => cb(error as LibException | null, stat));
    const onResult = ([stat]: unknown[]): Stat => toStat(stat as LibStat);
    if (version >= 0) return this.send('setAcl', path, trace, Date.now() + this.options.requestTimeoutMs, issue, onResult);
    return this.sendIdempotent('setAcl', path, trace, issue, onResult);
  }

  /**
   * Every path of the subtree under `path` (itself included), parents before children. Our own breadth-first
   * walk: the library's listSubTreeBFS stops after one level since its async@3 upgrade (node-zookeeper-client #127).
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

/** The library's create flags for our modes (multi.ts builds creates with them too). */
export const RAW_MODES: Record<CreateMode, number> = {
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
