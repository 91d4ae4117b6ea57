import { Option, type Command } from 'commander';
import { ShellPrinter } from '../../output/shell-printer.js';
import { watchedEventJson, watchedEventLine } from '../../output/zkcli.js';
import { whenAborted } from '../../process/signals.js';
import { StoppedError } from '../../recipes/errors.js';
import { findCommand, type Parsed, type ShellCommand, type ShellEnv } from '../../shell/commands.js';
import { ShellHistory } from '../../shell/history.js';
import { ShellSession } from '../../shell/session.js';
import type { WatchEvent } from '../../zk/index.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../exit-codes.js';
import { subcommand, type App } from '../program.js';

/**
 * zkCli's words at the top level, as a zkCli user types them (`zk-coord get -s /x`, `create -e -s /p data`):
 * one command of `zk-coord shell` in a session of its own, with zkCli's flags and output (the shell's parser
 * and commands, not a copy). After these words `-s` is zkCli's (stat, sequential); the server is `--server`,
 * or `-s` before the word.
 */
export const ZKCLI_WORDS = ['get', 'set', 'create', 'delete', 'deleteall', 'stat', 'getAcl', 'setAcl'] as const;

/** Words that are not zkCli's one-shot commands, and the zk-coord command that does what they mean. */
export const POINTERS: Readonly<Record<string, string>> = {
  watch: 'config watch',
  rm: 'config rm',
  rmr: 'deleteall',
  put: 'config set',
  del: 'config rm',
  addWatch: 'config watch -R',
  connect: '-s <host:port> <command>',
};

async function runWord(ctx: CommandContext, command: ShellCommand, parsed: Parsed): Promise<void> {
  const { globals, io } = ctx;
  const watching = parsed.flags.watch === true;
  if (watching) ctx.holdSignals();
  const printer = new ShellPrinter(io, globals.output, ctx.printer.colors, globals.quiet);
  let fired: (event: WatchEvent) => void = () => {};
  const event = new Promise<WatchEvent>((resolve) => (fired = resolve));
  const session = new ShellSession(await ctx.connect(), () => ctx.connect(), (text) => printer.note(text), (e) => fired(e));
  const env: ShellEnv = {
    printer,
    session,
    history: new ShellHistory(undefined),
    zkCoord: () => Promise.reject(new UsageError(`${command.name}: run it inside zk-coord shell`)),
    quit: () => {},
  };
  const code = await command.run(env, parsed, []);
  if (typeof code === 'number') ctx.exitCode = code;
  if (command.name === 'create' && parsed.flags.ephemeral) {
    const path = parsed.positionals[0] ?? '';
    printer.note(`the ephemeral node goes with this session, as zk-coord exits; to hold it: zk-coord config set -e ${path} <value> (or create -e in zk-coord shell)`);
  }
  if (!watching) return;
  // zkCli arms the watch and returns; a one-shot command waits for the one event it armed, then exits.
  printer.note(`watching ${parsed.positionals[0] ?? ''}: waiting for one event (Ctrl+C ends)`);
  const stop = whenAborted(ctx.stop.signal).then(() => Promise.reject(new StoppedError(ctx.stop.signal.reason)));
  const got = await Promise.race([event, stop]);
  printer.result(watchedEventLine(got.type, got.path), watchedEventJson(got.type, got.path));
}

const FLAG_HELP: Readonly<Record<string, string>> = {
  stat: 'print the stat (zkCli -s)',
  watch: 'then wait for one watch event on the node and print it',
  version: 'only if the node is at this version (exit 6 otherwise)',
  ephemeral: 'ephemeral: deleted when this session ends, that is as zk-coord exits',
  sequential: 'sequential: ZooKeeper appends a 10-digit counter to the name',
  container: 'a container node (deleted by the server once its last child goes)',
  recursive: 'the whole subtree',
};

export function registerZkCliWords(program: Command, app: App): void {
  for (const word of ZKCLI_WORDS) {
    const shellCommand = findCommand(word);
    if (!shellCommand) throw new Error(`no shell command ${word}`);
    const command = subcommand(program, `${word} [args...]`, `zkCli's ${shellCommand.usage} (as in zk-coord shell)`, { zkCliFlags: true, hidden: true });
    for (const [name, spec] of Object.entries(shellCommand.options)) {
      const flags = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ' <value>' : ''}`;
      command.addOption(new Option(flags, FLAG_HELP[name] ?? name));
    }
    command
      .addHelpText('after', `\n${shellCommand.summary}. zkCli's flags: -s after "${word}" is zkCli's; give the server with --server or before the word.\n\nExamples:\n${examples(word)}\n`)
      .action(async (args: string[], opts: Record<string, unknown>) => {
        const ctx = app.context();
        const flags: Parsed['flags'] = {};
        for (const name of Object.keys(shellCommand.options)) {
          const value = opts[name];
          if (typeof value === 'string' || typeof value === 'boolean') flags[name] = value;
        }
        // `set /x -- -5`: a value that starts with a dash, as zkCli takes it.
        await runWord(ctx, shellCommand, { flags, positionals: [...args, ...ctx.childArgv] });
      });
  }
  for (const [word, instead] of Object.entries(POINTERS)) {
    program
      .command(`${word} [args...]`, { hidden: true })
      .allowUnknownOption()
      .helpOption(false)
      .action((args: string[]) => {
        const rest = args.length > 0 ? ` ${args.join(' ')}` : '';
        throw new UsageError(`zk-coord has no "${word}": did you mean zk-coord ${instead}${instead.includes('<') ? '' : rest}?`);
      });
  }
}

function examples(word: string): string {
  const lines: Record<(typeof ZKCLI_WORDS)[number], string[]> = {
    get: ['zk-coord get -s /config/database', 'zk-coord get -w /config/database   # the value, then waits for one change'],
    set: ['zk-coord set -v 0 /config/database "db_port=5433"'],
    create: ['zk-coord create /config ""', 'zk-coord create -s /config/item- "v"   # sequential: Created /config/item-0000000000 (a new parent counts from 0)'],
    delete: ['zk-coord delete -v 0 /config/item'],
    deleteall: ['zk-coord deleteall /config/old'],
    stat: ['zk-coord stat /config/database'],
    getAcl: ['zk-coord getAcl /config/database'],
    setAcl: ['zk-coord setAcl /config/database world:anyone:cdrwa'],
  };
  return (lines[word as (typeof ZKCLI_WORDS)[number]] ?? []).map((l) => `  ${l}`).join('\n');
}
