import { Command, Option } from 'commander';
import type { Io } from '../output/io.js';
import { CommandContext, type GlobalOptions } from './context.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { parseMaxRequestBytes, parseMs } from './options.js';
import { DEFAULT_MAX_REQUEST_BYTES } from '../zk/request-size.js';
import { versionLine } from './version-info.js';
import { INSECURE_WARNING, SECURITY_ENV_HELP, addSecurityOptions, resolveSecurity } from './security.js';

/** Where a command action finds its context; set by the preAction hook, after parsing. */
export interface App {
  context(): CommandContext;
}

export type Register = (program: Command, app: App) => void;

/** Makes the context of an action: a fresh one per command line, or one lent by `zk-coord shell` (its session). */
export type ContextFactory = (io: Io, globals: GlobalOptions, childArgv: readonly string[]) => Promise<CommandContext>;

const ZKCLI_HELP = `
zkCli's words work too, with zkCli's flags and output (one command of zk-coord shell):
  get [-s] [-w] path, set [-s] [-v n] path data, create [-e] [-s] [-c] path [data], delete [-v n] path,
  deleteall path, stat [-w] path, getAcl path, setAcl path acl   (after them -s is zkCli's; --server is the server)

Examples:
  zk-coord server start                       # a local ZooKeeper on 127.0.0.1:2181
  zk-coord claim                              # prints 1 and holds it until Ctrl+C
  zk-coord config set /config/app "v1" -p
  zk-coord get -s /config/app                 # zkCli's get
  zk-coord -s 127.0.0.1:2181 status           # -s before or after the command`;

const ENV_HELP = `
Environment:
  ZK_COORD_SERVER           connection string (like --server)
  ZK_COORD_SESSION_TIMEOUT  session timeout in ms (like --session-timeout)
  ZK_COORD_MAX_REQUEST_BYTES  the servers' jute.maxbuffer (like --max-request-bytes)
  ZK_COORD_OUTPUT           text or json (like --output)
  ZK_COORD_AUTH             digest credentials user:password, sent on every connect, never printed
${SECURITY_ENV_HELP}
  NO_COLOR / FORCE_COLOR    turn colour off / on`;

/**
 * Global options are also accepted after the subcommand (`zk-coord status -s a,b`, `config get /x -s host`,
 * `ls / -o json`). One exception keeps each short flag one meaning per command: after a zkCli word (`ls`,
 * `get`, `set`, `create`, `stat`), `-s` means what it means in zkCli (stat, sequential) and the server is
 * `--server` there (or `-s` before the word).
 */
function addGlobalOptions(command: Command, root: boolean, zkCliFlags = false): Command {
  const maybeHidden = (option: Option): Option => (root ? option : option.hideHelp());
  const server = root
    ? new Option('-s, --server <connect-string>', 'ZooKeeper connection string host:port[,host:port…][/chroot]')
        .env('ZK_COORD_SERVER')
        .default('127.0.0.1:2181')
    : new Option(zkCliFlags ? '--server <connect-string>' : '-s, --server <connect-string>');
  const session = new Option('--session-timeout <ms>', 'requested session timeout (the server clamps it)').argParser(parseMs);
  const output = new Option('-o, --output <format>', 'output format').choices(['text', 'json']);
  if (root) {
    session.env('ZK_COORD_SESSION_TIMEOUT').default(10_000);
    output.env('ZK_COORD_OUTPUT').default('text');
  }
  const connect = new Option('--connect-timeout <ms>', 'give up connecting after this long').argParser(parseMs);
  if (root) connect.default(10_000);
  const maxRequest = new Option(
    '--max-request-bytes <n>',
    "largest request sent, the servers' jute.maxbuffer: larger values are refused before sending (raise it only for servers started with a larger -Djute.maxbuffer)",
  ).argParser(parseMaxRequestBytes);
  if (root) maxRequest.env('ZK_COORD_MAX_REQUEST_BYTES').default(DEFAULT_MAX_REQUEST_BYTES);
  command
    .addOption(maybeHidden(server))
    .addOption(maybeHidden(session))
    .addOption(maybeHidden(connect))
    .addOption(maybeHidden(maxRequest))
    .addOption(maybeHidden(output))
    .addOption(maybeHidden(new Option('--no-color', 'no colours (also NO_COLOR)')))
    .addOption(maybeHidden(new Option('-q, --quiet', 'only results and errors')))
    .addOption(maybeHidden(new Option('--trace', 'print every ZooKeeper operation as its zkCli command, on stderr')));
  addSecurityOptions(command, root);
  return command;
}

/** Root options, overridden by any given after the subcommand. */
function resolveGlobals(root: Record<string, unknown>, own: Record<string, unknown>, env: NodeJS.ProcessEnv): GlobalOptions {
  const pick = <T>(key: string): T => (own[key] !== undefined ? own[key] : root[key]) as T;
  const { tls, auth, env: securityEnv } = resolveSecurity(pick, env);
  return {
    ...(tls ? { tls } : {}),
    securityEnv,
    ...(auth ? { auth } : {}),
    server: pick<string>('server'),
    sessionTimeout: pick<number>('sessionTimeout'),
    connectTimeout: pick<number>('connectTimeout'),
    maxRequestBytes: pick<number>('maxRequestBytes'),
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
  makeContext: ContextFactory = CommandContext.create,
): { program: Command; app: App & { ctx?: CommandContext } } {
  const app: App & { ctx?: CommandContext } = {
    context() {
      if (!this.ctx) throw new Error('command context used before preAction');
      return this.ctx;
    },
  };
  const program = new Command('zk-coord')
    .description('ZooKeeper coordination recipes from the command line: claim an instance ID, elect a leader, hold a lock, share and watch configuration.')
    .version(versionLine(), '-V, --version', 'zk-coord, Node and client library versions (zk-coord version also asks the server)')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `${ZKCLI_HELP}\n${EXIT_CODES_HELP}\n${ENV_HELP}`);
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
    app.ctx = await makeContext(io, resolveGlobals(root, own, io.env), childArgv);
    if (app.ctx.globals.tls?.insecure) app.ctx.printer.warn(INSECURE_WARNING);
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

/**
 * A subcommand with the global options accepted after it too. `zkCliFlags`: a zkCli word whose own `-s`
 * is zkCli's (stat, sequential), so the server is only `--server` after it.
 */
export function subcommand(parent: Command, nameAndArgs: string, description: string, options: { zkCliFlags?: boolean; hidden?: boolean } = {}): Command {
  const command = addGlobalOptions(parent.command(nameAndArgs, { hidden: options.hidden === true }).description(description), false, options.zkCliFlags === true);
  // Their help stays the command's own; one line says the global ones exist and are taken here too.
  return command.addHelpText('after', options.zkCliFlags ? GLOBAL_OPTIONS_LINE.replace('-s/--server', '--server (-s is zkCli\'s here)') : GLOBAL_OPTIONS_LINE);
}

const GLOBAL_OPTIONS_LINE =
  '\nGlobal options, before or after the command (see zk-coord --help): -s/--server,\n--session-timeout, --connect-timeout, --max-request-bytes, -o/--output, -q, --trace,\n--no-color, --auth-file, --tls, --tls-*.';
