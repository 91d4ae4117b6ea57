import { noColors, type Colors } from './colors.js';
import { escapeControl } from './escape.js';
import { outputPolicy, type Io } from './io.js';

export type OutputFormat = 'text' | 'json';

export interface Spinner {
  stop(): void;
}

const idleSpinner: Spinner = { stop: () => {} };

/** bigint has no JSON form of its own: zxids and session ids travel as decimal strings unless formatted first. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return value;
}

/**
 * The only writer of stdout and stderr. stdout carries results (text lines, or one JSON object per line);
 * everything else (notes, warnings, errors, traces, spinners) goes to stderr, so `$(zk-coord …)` and
 * `| jq` see results alone.
 */
export class Printer {
  private activeSpinner: Spinner | undefined;

  constructor(
    private readonly io: Io,
    readonly format: OutputFormat,
    /** Colours for stderr (notes, warnings, errors, spinners): on when stderr is a terminal. */
    readonly colors: Colors,
    readonly quiet: boolean,
    /**
     * Colours for results on stdout: on only when stdout itself is a terminal, so `zk-coord demo > file`
     * or `status | less` from a terminal never gets escape codes.
     */
    readonly resultColors: Colors = noColors,
  ) {}

  get json(): boolean {
    return this.format === 'json';
  }

  get stdoutIsTTY(): boolean {
    return this.io.stdout.isTTY === true;
  }

  /** One result: the text lines in text mode, the object as one JSON line in JSON mode. */
  result(text: string | readonly string[], json: unknown): void {
    if (outputPolicy.stdoutBroken) return;
    if (this.json) {
      this.io.stdout.write(`${JSON.stringify(json, jsonReplacer)}\n`);
    } else {
      const lines = typeof text === 'string' ? [text] : text;
      if (lines.length > 0) this.io.stdout.write(`${lines.join('\n')}\n`);
    }
  }

  /**
   * Several results in one write (text lines, or one JSON object per line): a tree of 10k nodes printed
   * line by line cost ~1 s of write calls alone.
   */
  results(entries: ReadonlyArray<readonly [text: string | readonly string[], json: unknown]>): void {
    if (entries.length === 0 || outputPolicy.stdoutBroken) return;
    const lines = this.json
      ? entries.map(([, json]) => JSON.stringify(json, jsonReplacer))
      : entries.flatMap(([text]) => (typeof text === 'string' ? [text] : [...text]));
    if (lines.length > 0) this.io.stdout.write(`${lines.join('\n')}\n`);
  }

  /** Bytes to stdout exactly as given. */
  bytes(data: Buffer): void {
    if (!outputPolicy.stdoutBroken) this.io.stdout.write(data);
  }

  private stderrLine(text: string): void {
    this.activeSpinner?.stop();
    this.activeSpinner = undefined;
    if (!outputPolicy.stderrBroken) this.io.stderr.write(`${text}\n`);
  }

  /** Progress and state changes, on stderr; silent with --quiet. */
  note(text: string): void {
    if (!this.quiet) this.stderrLine(text);
  }

  /** Something the user should know even with --quiet (a suspended session, a lost lock). */
  warn(text: string): void {
    this.stderrLine(this.colors.warn(`warning: ${escapeControl(text)}`));
  }

  /**
   * The error a command ends with. Control characters (from a path or a value in the message) are escaped, so
   * a message cannot drive the terminal or forge lines. With -o json: one JSON object on stderr,
   * `{"error": message, "exitCode": n}`, for scripts that parse both streams.
   */
  error(text: string, exitCode?: number): void {
    if (this.json) {
      this.stderrLine(JSON.stringify({ error: text, ...(exitCode !== undefined ? { exitCode } : {}) }));
      return;
    }
    this.stderrLine(this.colors.error(`error: ${escapeControl(text)}`));
  }

  /** A ZooKeeper operation as zkCli would spell it (--trace). */
  trace(command: string): void {
    this.stderrLine(this.colors.dim(`[zk] ${command}`));
  }

  /** Whether spinner() draws one: a human watching a sized TTY, without --quiet or JSON. */
  get spins(): boolean {
    if (this.quiet || this.json || this.io.stderr.isTTY !== true) return false;
    // A terminal that reports no width (a pty nobody sized, as some CI runners and `script` give) makes ora
    // compute an unbounded number of lines to clear and loop forever on stop: no spinner there.
    return (this.io.stderr as { columns?: number }).columns! > 0;
  }

  /**
   * An ora spinner on stderr when `spins`; otherwise (CI, a pipe, an unsized pty) one plain `text…` line after
   * `plainAfterMs`, so a slow connect is not silent (never with --quiet or JSON).
   */
  async spinner(text: string, plainAfterMs = 750): Promise<Spinner> {
    if (!this.spins) {
      if (this.quiet || this.json) return idleSpinner;
      const timer = setTimeout(() => this.note(`${text}…`), plainAfterMs);
      timer.unref();
      return { stop: () => clearTimeout(timer) };
    }
    const ora = await (await import('./terminal-libraries.js')).loadOra();
    const spinner = ora({ text, stream: this.io.stderr, color: this.colors.on ? 'cyan' : false }).start();
    const handle: Spinner = {
      stop: () => {
        spinner.stop();
        if (this.activeSpinner === handle) this.activeSpinner = undefined;
      },
    };
    this.activeSpinner = handle;
    return handle;
  }
}
