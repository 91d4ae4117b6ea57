import { Printer } from '../output/printer.js';
import { noColors } from '../output/colors.js';
import type { Io } from '../output/io.js';
import { reportFor, usageHint } from './exit-codes.js';
import { createProgram, subcommandWord, type ContextFactory, type Register } from './program.js';

/**
 * In the order `--help` lists them: the recipes first, then the zkCli mirror, then the local server. Each is
 * loaded only when needed, so a one-shot `config get` pays for its own module graph and not for the process
 * supervisor, the server launcher or the demo (and the Node built-ins they pull in): about 20 ms of start-up
 * on the benchmark machine (docs/BENCHMARKS.md).
 */
const loadZkCliWords = async (): Promise<Register> => (await import('./commands/zkcli-words.js')).registerZkCliWords;

const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ['claim', async () => (await import('./commands/claim.js')).registerClaim],
  ['elect', async () => (await import('./commands/elect.js')).registerElect],
  ['lock', async () => (await import('./commands/lock.js')).registerLock],
  ['barrier', async () => (await import('./commands/barrier.js')).registerBarrier],
  ['queue', async () => (await import('./commands/queue.js')).registerQueue],
  ['counter', async () => (await import('./commands/counter.js')).registerCounter],
  ['register', async () => (await import('./commands/register.js')).registerRegister],
  ['discover', async () => (await import('./commands/discover.js')).registerDiscover],
  ['config', async () => (await import('./commands/config.js')).registerConfig],
  ['ls', async () => (await import('./commands/ls.js')).registerLs],
  ['acl', async () => (await import('./commands/acl.js')).registerAcl],
  ['status', async () => (await import('./commands/status.js')).registerStatus],
  ['server', async () => (await import('./commands/server.js')).registerServer],
  ['demo', async () => (await import('./commands/demo.js')).registerDemo],
  ['shell', async () => (await import('./commands/shell.js')).registerShell],
  ['completion', async () => (await import('./commands/completion.js')).registerCompletion],
  ['version', async () => (await import('./commands/version.js')).registerVersion],
  // zkCli's words (get, set, create, …; hidden from --help): one module registers them all.
  ...['get', 'set', 'create', 'delete', 'deleteall', 'stat', 'getAcl', 'setAcl', 'watch', 'rm', 'rmr', 'put', 'del', 'addWatch', 'connect'].map((word) => [word, loadZkCliWords] as const),
];

/** The command named on the line, or all of them (for help, `help <command>`, and unknown-command suggestions). */
function commandsFor(word: string | undefined): Promise<Register[]> {
  const named = COMMANDS.find(([name]) => name === word);
  const loaders = [...new Set((named ? [named] : COMMANDS).map(([, load]) => load))];
  return Promise.all(loaders.map((load) => load()));
}

/** Every command, registered on `program` (for `completion`, which lists them all). */
export async function registerAll(program: Parameters<Register>[0], app: Parameters<Register>[1]): Promise<void> {
  for (const register of await commandsFor(undefined)) register(program, app);
}

/** `-o json` / `--output json` anywhere on the line (after the subcommand too), or ZK_COORD_OUTPUT=json. */
function asksForJson(args: readonly string[], env: NodeJS.ProcessEnv): boolean {
  let json = env.ZK_COORD_OUTPUT === 'json';
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '-o' || arg === '--output') json = args[i + 1] === 'json';
    else if (arg.startsWith('--output=')) json = arg === '--output=json';
    else if (arg.startsWith('-o') && arg.length > 2 && !arg.startsWith('--')) json = arg === '-ojson';
  }
  return json;
}

/**
 * Runs one command line and resolves with the exit code. Everything after a literal `--` is the child
 * command of a holder (claim, elect, lock, register, barrier, queue work, config set -e), kept away from
 * commander, so `claim -- ./worker.sh` never reads `./worker.sh` as the parent path. The one place where
 * errors become exit codes and messages.
 */
export async function main(
  argv: readonly string[],
  io: Io,
  onAction?: (commandPath: string) => void,
  makeContext?: ContextFactory,
): Promise<number> {
  const split = argv.indexOf('--');
  const ownArgs = split === -1 ? [...argv] : argv.slice(0, split);
  const childArgv = split === -1 ? [] : argv.slice(split + 1);
  const { program, app } = createProgram(io, childArgv, onAction, makeContext);
  try {
    for (const register of await commandsFor(subcommandWord(program, ownArgs))) register(program, app);
    await program.parseAsync(ownArgs, { from: 'user' });
    return app.ctx?.exitCode ?? 0;
  } catch (error) {
    const report = reportFor(error);
    const hint = usageHint(error, ownArgs);
    if (hint) io.stderr.write(`${hint}\n`);
    if (report.message !== undefined) {
      // Before a context exists (an option the action's set-up refused), -o json still asks for a JSON error.
      const format = program.opts().output === 'json' || asksForJson(ownArgs, io.env) ? 'json' : 'text';
      const printer = app.ctx?.printer ?? new Printer(io, format, noColors, false);
      printer.error(report.message, report.code);
      if (io.env.ZK_COORD_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    }
    return report.code;
  } finally {
    await app.ctx?.dispose();
  }
}
