import { UsageError, reportFor } from '../cli/exit-codes.js';
import type { LineEditor } from '../output/line-editor.js';
import type { ShellPrinter } from '../output/shell-printer.js';
import { StoppedError } from '../recipes/errors.js';
import { findCommand, parseCommand, type ShellEnv } from './commands.js';
import type { ShellHistory } from './history.js';
import type { ShellSession } from './session.js';
import { splitWords } from './words.js';

export interface ShellOptions {
  printer: ShellPrinter;
  session: ShellSession;
  history: ShellHistory;
  /** Runs one of zk-coord's own commands in the shell's session, stopped by `stop`; resolves with its exit code. */
  zkCoord(argv: string[], stop: AbortController): Promise<number>;
}

/** How long a command interrupted with Ctrl+C gets to end by itself (a stream releasing) before the prompt returns. */
const INTERRUPT_GRACE_MS = 1000;

/**
 * The shell's engine: one line in, its output through the printer, its exit code out (exit-codes.ts decides
 * it, as for any command). Bad input (an unknown command, bad flags, an invalid path, unbalanced quotes)
 * prints one line and leaves the session as it was.
 */
export class Shell {
  private running: AbortController | undefined;
  private quitting = false;

  constructor(private readonly options: ShellOptions) {}

  /** `quit` was typed. */
  get quitRequested(): boolean {
    return this.quitting;
  }

  /** SIGTERM: stop the running command and end the shell after it. */
  stop(): void {
    this.quitting = true;
    this.interrupt();
  }

  /** Ctrl+C: stops the running command. False when none runs. */
  interrupt(): boolean {
    if (!this.running) return false;
    this.running.abort('SIGINT');
    return true;
  }

  async execute(line: string): Promise<number> {
    const { printer, history } = this.options;
    let words: string[];
    try {
      words = splitWords(line);
    } catch (error) {
      history.add(line);
      return this.failed(line, error);
    }
    if (words.length === 0) return 0;
    if (words[0] === 'redo' && words.length === 2) {
      // zkCli runs the line again and records it, not the redo.
      const n = words[1] as string;
      const again = /^\d+$/.test(n) ? history.get(Number(n)) : undefined;
      if (again === undefined || splitWordsOrEmpty(again)[0] === 'redo') return this.failed(line, new UsageError(`redo: no command numbered ${n} (history lists them)`));
      return this.execute(again);
    }
    history.add(line);
    printer.begin(line);
    const controller = new AbortController();
    this.running = controller;
    let code = 0;
    try {
      const name = words[0] as string;
      const command = findCommand(name);
      if (!command) throw new UsageError(`unknown command "${name}" (help lists the commands)`);
      const rest = words.slice(1);
      const env: ShellEnv = {
        printer,
        session: this.options.session,
        history,
        zkCoord: (argv) => this.options.zkCoord(argv, controller),
        quit: () => {
          this.quitting = true;
        },
      };
      const result = await untilInterrupted(command.run(env, parseCommand(command, rest), rest), controller.signal);
      code = typeof result === 'number' ? result : 0;
    } catch (error) {
      const report = reportFor(error);
      if (report.message !== undefined) printer.error(report.message);
      code = report.code;
    } finally {
      this.running = undefined;
    }
    printer.end(code);
    return code;
  }

  private failed(line: string, error: unknown): number {
    const { printer } = this.options;
    printer.begin(line);
    const report = reportFor(error);
    if (report.message !== undefined) printer.error(report.message);
    printer.end(report.code);
    return report.code;
  }
}

function splitWordsOrEmpty(line: string): string[] {
  try {
    return splitWords(line);
  } catch {
    return [];
  }
}

/**
 * The command's own result, unless Ctrl+C comes and it has not ended within the grace: then StoppedError
 * (exit 130). A stream (config watch) ends by itself on the signal and returns its own code; a request stuck
 * behind a lost connection is left to its deadline, and the prompt comes back.
 */
function untilInterrupted<T>(running: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      timer = setTimeout(() => reject(new StoppedError('SIGINT')), INTERRUPT_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    running.then(
      (value) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Batch mode: one command per line. Stops at the first failing command with its exit code; with `keepGoing`
 * runs every line and exits with the first failure's code. `quit` ends it early.
 */
export async function runBatch(shell: Shell, lines: AsyncIterable<string>, keepGoing: boolean): Promise<number> {
  let firstFailure: number | undefined;
  for await (const line of lines) {
    const code = await shell.execute(line);
    if (code !== 0) {
      firstFailure ??= code;
      if (!keepGoing) return code;
    }
    if (shell.quitRequested) break;
  }
  return firstFailure ?? 0;
}

/** The interactive loop: prompt, line, result, until `quit` or Ctrl+D. Exit code 0. */
export async function runInteractive(shell: Shell, editor: LineEditor, prompt: () => string): Promise<number> {
  editor.interrupt = () => {
    shell.interrupt();
  };
  for (;;) {
    const line = await editor.read(prompt());
    if (line === null) break;
    await shell.execute(line);
    if (shell.quitRequested) break;
  }
  return 0;
}
