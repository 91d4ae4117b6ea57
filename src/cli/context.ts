import { createColors } from '../output/colors.js';
import type { Io } from '../output/io.js';
import { Printer, type OutputFormat } from '../output/printer.js';
import { describeLossLine, describeStateLine } from '../output/render.js';
import { listenForStop, type StopSignals } from '../process/signals.js';
import type { ChildCommand } from '../process/child.js';
import { ZkClient, type StateChangeEvent } from '../zk/index.js';
import type { TlsOptions } from '../zk/tls-options.js';
import { StoppedError } from '../recipes/errors.js';
import { UsageError } from './exit-codes.js';

/** Races a connect against SIGINT/SIGTERM; a connection that completes after the signal is closed at once. */
async function untilStopped(connecting: Promise<ZkClient>, signal: AbortSignal): Promise<ZkClient> {
  if (signal.aborted) {
    void connecting.then((c) => c.close(), () => undefined);
    throw new StoppedError(signal.reason);
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      void connecting.then((c) => c.close(), () => undefined);
      reject(new StoppedError(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    connecting.then(
      (c) => {
        signal.removeEventListener('abort', onAbort);
        resolve(c);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The global options, resolved (flags, then environment, then defaults). */
export interface GlobalOptions {
  server: string;
  sessionTimeout: number;
  connectTimeout: number;
  /** The servers' jute.maxbuffer as we assume it (--max-request-bytes). */
  maxRequestBytes: number;
  output: OutputFormat;
  color: boolean;
  quiet: boolean;
  trace: boolean;
  /** TLS settings (--tls…), and digest credentials (ZK_COORD_AUTH or --auth-file): see security.ts. */
  tls?: TlsOptions;
  auth?: string;
  securityEnv?: Record<string, string>;
}

/**
 * What every command action gets: resolved globals, the printer, stop signals, and sessions that are closed
 * when the command ends (so ephemeral nodes vanish at once rather than after the session timeout).
 */
export class CommandContext {
  exitCode = 0;
  private readonly clients = new Set<ZkClient>();
  private stops: StopSignals | undefined;

  constructor(
    readonly io: Io,
    readonly globals: GlobalOptions,
    readonly printer: Printer,
    /** Everything after a literal `--` on the command line. */
    readonly childArgv: readonly string[],
  ) {}

  static async create(io: Io, globals: GlobalOptions, childArgv: readonly string[]): Promise<CommandContext> {
    const enabled = globals.color && globals.output === 'text';
    const colors = await createColors({ enabled, isTTY: io.stderr.isTTY === true, env: io.env });
    const resultColors = await createColors({ enabled, isTTY: io.stdout.isTTY === true, env: io.env });
    return new CommandContext(io, globals, new Printer(io, globals.output, colors, globals.quiet, resultColors), childArgv);
  }

  /** SIGINT/SIGTERM/SIGHUP as an AbortSignal, once holdSignals() has installed it. */
  get stop(): StopSignals {
    if (!this.stops) throw new Error('holdSignals() first');
    return this.stops;
  }

  /**
   * For commands that hold something: from now on SIGINT/SIGTERM no longer kill the process but ask it to
   * release and close. Call first thing, before anything is created that a signal must not leave behind.
   */
  holdSignals(): void {
    this.stops ??= listenForStop();
  }

  /**
   * The child command from `--exec <string>` (run by /bin/sh) or after `--` (run directly). Both at once is a
   * usage error.
   */
  childCommand(exec: string | undefined): ChildCommand | undefined {
    if (exec !== undefined && this.childArgv.length > 0) throw new UsageError('give the command either with --exec or after --, not both');
    if (exec !== undefined) return { shell: exec };
    if (this.childArgv.length > 0) return { argv: [...this.childArgv] };
    return undefined;
  }

  /** Rejects a `-- …` tail for commands that run no child. */
  noChildArgs(): void {
    if (this.childArgv.length > 0) throw new UsageError(`unexpected arguments after --: ${this.childArgv.join(' ')}`);
  }

  /**
   * Opens a session with the global options. State changes are reported on stderr; `announce` says so for
   * connects after the first (long-running commands building a new session after a loss).
   */
  async connect(): Promise<ZkClient> {
    const { printer, globals } = this;
    const spinner = await printer.spinner(`connecting to ${globals.server}`);
    const auth = globals.auth;
    try {
      const connecting = ZkClient.connect({
        connectString: globals.server,
        sessionTimeoutMs: globals.sessionTimeout,
        connectTimeoutMs: globals.connectTimeout,
        maxRequestBytes: globals.maxRequestBytes,
        ...(auth ? { digestAuth: auth } : {}),
        ...(globals.tls ? { tls: globals.tls } : {}),
        ...(globals.trace ? { onTrace: (line: string) => printer.trace(line) } : {}),
        // One-shot commands give up at once when nothing listens anywhere; holders (which installed the stop
        // signals) keep trying until --connect-timeout, but say which host failed and why, once each.
        failWhenRefused: !this.stops,
        ...(this.stops ? { signal: this.stops.signal } : {}),
        ...(this.stops ? { onHostFailed: this.hostFailedReporter() } : {}),
      });
      const client = this.stops ? await untilStopped(connecting, this.stops.signal) : await connecting;
      this.clients.add(client);
      client.on('state', (event: StateChangeEvent) => this.reportState(client, event));
      client.on('socketDropped', ({ server, why }) => printer.note(`dropped connection to ${server}: ${why}`));
      return client;
    } finally {
      spinner.stop();
    }
  }

  /** Hosts already reported as unreachable (once per command, however often the reconnect loop retries). */
  private readonly toldUnreachable = new Set<string>();

  private hostFailedReporter(): (server: string, why: string) => void {
    const told = this.toldUnreachable;
    return (server, why) => {
      if (told.has(server)) return;
      told.add(server);
      this.printer.note(`cannot reach ${server} (${why}); still trying for up to ${this.globals.connectTimeout} ms`);
    };
  }

  private reportState(client: ZkClient, event: StateChangeEvent): void {
    if (event.state === 'suspended') this.printer.warn(describeStateLine(client, event));
    else if (event.state === 'lost') this.printer.warn(describeLossLine(event));
    else if (event.state === 'connected' && event.previous === 'suspended') this.printer.note(describeStateLine(client, event));
  }

  /** Closes a session now (its ephemeral nodes go with it). */
  async release(client: ZkClient): Promise<void> {
    await client.close();
    this.clients.delete(client);
  }

  /** Ends the command: closes every session still open, removes signal handlers. */
  async dispose(): Promise<void> {
    await Promise.all([...this.clients].map((c) => c.close()));
    this.clients.clear();
    this.stops?.dispose();
  }
}
