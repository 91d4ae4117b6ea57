import type { Colors } from './colors.js';
import type { Io } from './io.js';

export type OutputFormat = 'text' | 'json';

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

const idleSpinner: Spinner = { update: () => {}, stop: () => {} };

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
    readonly colors: Colors,
    readonly quiet: boolean,
  ) {}

  get json(): boolean {
    return this.format === 'json';
  }

  get stdoutIsTTY(): boolean {
    return this.io.stdout.isTTY === true;
  }

  /** One result: the text lines in text mode, the object as one JSON line in JSON mode. */
  result(text: string | readonly string[], json: unknown): void {
    if (this.json) {
      this.io.stdout.write(`${JSON.stringify(json, jsonReplacer)}\n`);
    } else {
      const lines = typeof text === 'string' ? [text] : text;
      if (lines.length > 0) this.io.stdout.write(`${lines.join('\n')}\n`);
    }
  }

  /** Bytes to stdout exactly as given. */
  bytes(data: Buffer): void {
    this.io.stdout.write(data);
  }

  private stderrLine(text: string): void {
    this.activeSpinner?.stop();
    this.activeSpinner = undefined;
    this.io.stderr.write(`${text}\n`);
  }

  /** Progress and state changes, on stderr; silent with --quiet. */
  note(text: string): void {
    if (!this.quiet) this.stderrLine(text);
  }

  /** Something the user should know even with --quiet (a suspended session, a lost lock). */
  warn(text: string): void {
    this.stderrLine(this.colors.warn(`warning: ${text}`));
  }

  error(text: string): void {
    this.stderrLine(this.colors.error(`error: ${text}`));
  }

  /** A ZooKeeper operation as zkCli would spell it (--trace). */
  trace(command: string): void {
    this.stderrLine(this.colors.dim(`[zk] ${command}`));
  }

  /** An ora spinner on stderr, only for a human watching a TTY (never with --quiet or JSON). */
  async spinner(text: string): Promise<Spinner> {
    if (this.quiet || this.json || this.io.stderr.isTTY !== true) return idleSpinner;
    // A terminal that reports no width (a pty nobody sized, as some CI runners and `script` give) makes ora
    // compute an unbounded number of lines to clear and loop forever on stop: no spinner there.
    if (!((this.io.stderr as { columns?: number }).columns! > 0)) return idleSpinner;
    const ora = await (await import('./terminal-libraries.js')).loadOra();
    const spinner = ora({ text, stream: this.io.stderr }).start();
    const handle: Spinner = {
      update: (t) => {
        spinner.text = t;
      },
      stop: () => {
        spinner.stop();
        if (this.activeSpinner === handle) this.activeSpinner = undefined;
      },
    };
    this.activeSpinner = handle;
    return handle;
  }
}
