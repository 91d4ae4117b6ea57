import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { LineEditor } from '../../output/line-editor.js';
import { ShellPrinter } from '../../output/shell-printer.js';
import { watchedEventJson, watchedEventLine } from '../../output/zkcli.js';
import { ShellCommandContext } from '../../shell/command-context.js';
import { ShellCompleter } from '../../shell/completer.js';
import { ShellHistory } from '../../shell/history.js';
import { ShellSession } from '../../shell/session.js';
import { Shell, runBatch, runInteractive } from '../../shell/shell.js';
import type { Watcher } from '../../zk/index.js';
import { CommandContext } from '../context.js';
import { UsageError, reportFor } from '../exit-codes.js';
import { StoppedError } from '../../recipes/errors.js';
import { main } from '../main.js';
import { subcommand, type App } from '../program.js';

/** Tab must not hang on a silent server: children it cannot have within this are not offered. */
const COMPLETION_TIMEOUT_MS = 1000;

async function readScript(file: string): Promise<AsyncIterable<string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return (async function* () {
    yield* lines;
  })();
}

export function registerShell(program: Command, app: App): void {
  subcommand(program, 'shell', "one session for many commands: zkCli's commands, Tab completion, history; a batch of commands from stdin or -f")
    .option('-f, --file <file>', 'run the commands in this file, one per line (batch mode)')
    .option('--keep-going', 'batch mode: run every command; exit with the first failure\'s code')
    .addHelpText(
      'after',
      [
        '',
        "Inside: zkCli's ls [-s] [-w] [-R], get [-s] [-w], stat [-w], set [-s] [-v], create [-e] [-s] [-c], delete [-v],",
        'deleteall, sync, getAcl, setAcl, addauth digest, whoami, history, redo n, quit; and zk-coord\'s config get/set/watch/rm',
        'and discover. `help` lists them.',
        'Ctrl+C stops the running command (config watch, discover --watch, ls -w) and clears the line; Ctrl+D or quit ends the session.',
        '',
        'Batch mode (stdin not a terminal, or -f): one command per line, # comments, quoting as in a POSIX shell; stops at',
        'the first failing command with its exit code (--keep-going: runs on, exits with the first failure\'s code);',
        '-o json prints one JSON object per command.',
        '',
        'Examples:',
        '  zk-coord shell',
        "  printf 'create /app \"\"\\nset /app v1\\nget -s /app\\n' | zk-coord shell",
        '  zk-coord shell -f seed.zk --keep-going -o json',
      ].join('\n'),
    )
    .action(async (opts: { file?: string; keepGoing?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      const { globals } = ctx;
      const interactive = opts.file === undefined && ctx.io.stdin.isTTY === true;
      const script = opts.file !== undefined ? await readScript(opts.file) : undefined;
      const history = new ShellHistory(interactive ? ShellHistory.fileFor(ctx.io.env) : undefined);
      let session: ShellSession | undefined;
      const completer = new ShellCompleter(async (parent) => {
        const client = session?.client;
        if (client?.state !== 'connected') return undefined;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), COMPLETION_TIMEOUT_MS)));
        const children = client.getChildren(parent).then((r) => r.children, () => undefined);
        return Promise.race([children, late]).finally(() => clearTimeout(timer));
      });
      const editor = interactive
        ? new LineEditor(ctx.io, { history: history.lines, historySize: 1000, complete: (line) => completer.complete(line) })
        : undefined;
      const io = editor?.io ?? ctx.io;
      const printer = new ShellPrinter(io, globals.output, ctx.printer.colors, globals.quiet);
      // The session's own context: its connect shows the spinner, reports state changes and --trace; its
      // dispose closes every session the shell opened (ephemeral nodes go at once).
      const sessions = new CommandContext(io, globals, printer, []);
      let shell: Shell | undefined;
      let terminated: NodeJS.Signals | undefined;
      const onSigint = (): void => {
        if (shell?.interrupt()) return;
        // Between commands in a script, SIGINT ends the script; at an interactive prompt Ctrl+C never does.
        if (!interactive) {
          terminated ??= 'SIGINT';
          shell?.stop();
        }
      };
      const onSigterm = (): void => {
        terminated ??= 'SIGTERM';
        shell?.stop();
        editor?.close();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigterm);
      try {
        const watcher: Watcher = (event) => printer.event(watchedEventLine(event.type, event.path), watchedEventJson(event.type, event.path));
        session = new ShellSession(await sessions.connect(), () => sessions.connect(), (text) => printer.note(text), watcher);
        const active = session;
        const host = globals.server.split(',')[0];
        const colour = { connecting: printer.colors.warn, connected: printer.colors.ok, suspended: printer.colors.warn, lost: printer.colors.error, closed: printer.colors.error };
        const prompt = (): string => `zk ${active.server ?? host} ${colour[active.state](active.state)}> `;
        active.on('state', () => editor?.updatePrompt(prompt()));
        shell = new Shell({
          printer,
          session: active,
          history,
          zkCoord: (argv, stop) =>
            main(argv, io, undefined, async (_io, _globals, childArgv) => new ShellCommandContext(io, globals, printer, childArgv, active, stop)),
        });
        let code: number;
        if (editor) {
          code = await runInteractive(shell, editor, prompt);
        } else {
          const lines = script ?? createInterface({ input: ctx.io.stdin, crlfDelay: Infinity });
          code = await runBatch(shell, lines, opts.keepGoing === true);
        }
        ctx.exitCode = terminated ? reportFor(new StoppedError(terminated)).code : code;
      } finally {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigterm);
        editor?.close();
        await sessions.dispose();
      }
    });
}
