import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { Io } from '../output/io.js';
import { CommandContext, type GlobalOptions } from './context.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { parseMs } from './options.js';

/** Where a command action finds its context; set by the preAction hook, after parsing. */
export interface App {
  context(): CommandContext;
}

export type Register = (program: Command, app: App) => void;

const ENV_HELP = `
Environment:
  ZK_COORD_SERVER           connection string (like --server)
  ZK_COORD_SESSION_TIMEOUT  session timeout in ms (like --session-timeout)
  ZK_COORD_OUTPUT           text or json (like --output)
  ZK_COORD_AUTH             digest credentials user:password, sent on every connect, never printed
  NO_COLOR / FORCE_COLOR    turn colour off / on`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Global options are also accepted after the subcommand (`zk-coord ls / -o json`), except `-s`, which
 * there means "stat" as in zkCli (`ls -s`, `get -s`); `--server` works in both places.
 */
function addGlobalOptions(command: Command, root: boolean): Command {
  const maybeHidden = (option: Option): Option => (root ? option : option.hideHelp());
  const server = root
    ? new Option('-s, --server <connect-string>', 'ZooKeeper connection string host:port[,host:port…][/chroot]')
        .env('ZK_COORD_SERVER')
        .default('127.0.0.1:2181')
    : new Option('--server <connect-string>');
  const session = new Option('--session-timeout <ms>', 'requested session timeout (the server clamps it)').argParser(parseMs);
  const output = new Option('-o, --output <format>', 'output format').choices(['text', 'json']);
  if (root) {
    session.env('ZK_COORD_SESSION_TIMEOUT').default(10_000);
    output.env('ZK_COORD_OUTPUT').default('text');
  }
  const connect = new Option('--connect-timeout <ms>', 'give up connecting after this long').argParser(parseMs);
  if (root) connect.default(10_000);
  command
    .addOption(maybeHidden(server))
    .addOption(maybeHidden(session))
    .addOption(maybeHidden(connect))
    .addOption(maybeHidden(output))
    .addOption(maybeHidden(new Option('--no-color', 'no colours (also NO_COLOR)')))
    .addOption(maybeHidden(new Option('-q, --quiet', 'only results and errors')))
    .addOption(maybeHidden(new Option('--trace', 'print every ZooKeeper operation as its zkCli command, on stderr')));
  return command;
}

/** Root options, overridden by any given after the subcommand. */
function resolveGlobals(root: Record<string, unknown>, own: Record<string, unknown>): GlobalOptions {
  const pick = <T>(key: string): T => (own[key] !== undefined ? own[key] : root[key]) as T;
  return {
    server: pick<string>('server'),
    sessionTimeout: pick<number>('sessionTimeout'),
    connectTimeout: pick<number>('connectTimeout'),
    output: pick<'text' | 'json'>('output'),
    color: root.color !== false && own.color !== false,
    quiet: Boolean(root.quiet || own.quiet),
    trace: Boolean(root.trace || own.trace),
  };
}

/** The root command with its global options; the caller registers the subcommands. Nothing touches the network until an action runs. */
export function createProgram(
  io: Io,
  childArgv: readonly string[],
  onAction?: (commandPath: string) => void,
): { program: Command; app: App & { ctx?: CommandContext } } {
  const app: App & { ctx?: CommandContext } = {
    context() {
      if (!this.ctx) throw new Error('command context used before preAction');
      return this.ctx;
    },
  };
  const program = new Command('zk-coord')
    .description('ZooKeeper coordination recipes from the command line: claim an instance ID, elect a leader, hold a lock, share and watch configuration.')
    .version(version(), '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `${EXIT_CODES_HELP}\n${ENV_HELP}`);
  addGlobalOptions(program, true);
  program.hook('preAction', async (_root, action) => {
    const root = program.opts();
    // Options given after a nested subcommand (`config get … -o json`) sit on it or on its parent group.
    const own: Record<string, unknown> = {};
    const path: string[] = [];
    for (let c: Command | null = action; c && c !== program; c = c.parent) {
      path.unshift(c.name());
      for (const [key, value] of Object.entries(c.opts())) {
        if (key === 'color') own.color = own.color === false || value === false ? false : true;
        else if (own[key] === undefined && value !== undefined) own[key] = value;
      }
    }
    onAction?.(path.join(' '));
    app.ctx = await CommandContext.create(io, resolveGlobals(root, own), childArgv);
  });
  return { program, app };
}

/**
 * The first word of a command line that is not a root option or an option's value: the subcommand, if the
 * line names one. Options with an attached value (`--server=x`, `-sx`) are one word.
 */
export function subcommandWord(program: Command, args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '-' || !arg.startsWith('-')) return arg;
    const option = program.options.find((o) => o.long === arg || o.short === arg);
    if (option?.required) i += 1;
  }
  return undefined;
}

/** A subcommand with the global options accepted after it too. */
export function subcommand(parent: Command, nameAndArgs: string, description: string): Command {
  return addGlobalOptions(parent.command(nameAndArgs).description(description), false);
}
