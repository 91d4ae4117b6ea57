import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Io } from './io.js';

export interface LineEditorOptions {
  /** Earlier lines, oldest first (Up recalls the newest). */
  history: readonly string[];
  historySize: number;
  /** Tab: the candidates for the line up to the cursor, and the part of the line they replace. */
  complete(line: string): Promise<[string[], string]>;
}

/**
 * The interactive line of `zk-coord shell` (node:readline on the terminal): the prompt and its editing,
 * history, Tab completion, and the only way anything else reaches the screen while the prompt is up. Its
 * `io` is what the shell's printers write to: a line written while the user is typing is printed above the
 * prompt, which is then drawn again with what was typed so far (zkCli's watch events, state changes).
 * The prompt and the echo go to stderr, so stdout carries only results even here.
 *
 * Ctrl+C at the prompt clears the line and never quits; during a command it calls `interrupt` (which stops
 * a foreground stream such as `config watch`). Ctrl+D on an empty line ends input: `read` resolves null.
 */
export class LineEditor {
  readonly io: Io;
  private readonly rl: Interface;
  private prompting = false;
  private closed = false;
  private readonly typedAhead: string[] = [];
  private waiter: ((line: string | null) => void) | undefined;
  private interruptHandler: (() => void) | undefined;

  constructor(
    private readonly base: Io,
    options: LineEditorOptions,
  ) {
    this.rl = createInterface({
      input: base.stdin,
      output: base.stderr,
      terminal: true,
      history: [...options.history].reverse(),
      historySize: options.historySize,
      removeHistoryDuplicates: true,
      tabSize: 4,
      completer: (line: string, callback: (error: Error | null, result: [string[], string]) => void) => {
        options.complete(line).then(
          (result) => callback(null, result),
          () => callback(null, [[], line]),
        );
      },
    });
    this.rl.on('line', (line) => {
      this.prompting = false;
      if (this.waiter) {
        const wake = this.waiter;
        this.waiter = undefined;
        wake(line);
      } else {
        this.typedAhead.push(line);
      }
    });
    this.rl.on('close', () => {
      this.closed = true;
      this.prompting = false;
      const wake = this.waiter;
      this.waiter = undefined;
      wake?.(null);
    });
    this.rl.on('SIGINT', () => {
      if (this.prompting) {
        // Like a shell: abandon the line, a fresh prompt, the session stays.
        this.rl.write(null, { ctrl: true, name: 'u' });
        this.base.stderr.write('^C\n');
        this.rl.prompt();
      } else {
        this.interruptHandler?.();
      }
    });
    this.io = {
      stdout: this.routed(base.stdout),
      stderr: this.routed(base.stderr),
      stdin: base.stdin,
      env: base.env,
    };
  }

  /** A stream that writes through to `target`, above the prompt when it is showing. */
  private routed(target: Io['stdout']): Io['stdout'] {
    const stream = new Writable({
      write: (chunk: Buffer | string, _encoding, done) => {
        if (this.prompting) {
          clearLine(this.base.stderr, 0);
          cursorTo(this.base.stderr, 0);
        }
        target.write(chunk, () => {
          if (this.prompting && String(chunk).endsWith('\n')) this.rl.prompt(true);
          done();
        });
      },
    }) as Io['stdout'] & { columns?: number };
    // A terminal's properties and cursor methods, for whoever draws on it (the spinner while connecting).
    const tty = target as unknown as Record<string, unknown>;
    for (const key of ['isTTY', 'columns', 'rows']) Object.defineProperty(stream, key, { get: () => tty[key] });
    for (const key of ['cursorTo', 'moveCursor', 'clearLine', 'clearScreenDown', 'getColorDepth', 'hasColors', 'getWindowSize']) {
      const method = tty[key];
      if (typeof method === 'function') Object.defineProperty(stream, key, { value: (...args: unknown[]) => (method as (...a: unknown[]) => unknown).apply(target, args) });
    }
    return stream;
  }

  /** The next line typed (or typed ahead during the last command); null once input has ended (Ctrl+D). */
  read(prompt: string): Promise<string | null> {
    const ahead = this.typedAhead.shift();
    if (ahead !== undefined) return Promise.resolve(ahead);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.rl.setPrompt(prompt);
      this.prompting = true;
      this.rl.prompt();
    });
  }

  /** Draws the prompt again with new text (the session state changed), keeping what was typed. */
  updatePrompt(prompt: string): void {
    this.rl.setPrompt(prompt);
    if (this.prompting) this.rl.prompt(true);
  }

  /** What Ctrl+C does while a command runs (undefined: nothing). */
  set interrupt(handler: (() => void) | undefined) {
    this.interruptHandler = handler;
  }

  close(): void {
    this.prompting = false;
    this.rl.close();
  }
}
