import { Printer } from '../output/printer.js';
import { noColors } from '../output/colors.js';
import type { Io } from '../output/io.js';
import { reportFor } from './exit-codes.js';
import { createProgram, subcommandWord, type Register } from './program.js';

/**
 * In the order `--help` lists them: the recipes first, then the zkCli mirror, then the local server. Each is
 * loaded only when needed, so a one-shot `config get` pays for its own module graph and not for the process
 * supervisor, the server launcher or the demo (and the Node built-ins they pull in): about 20 ms of start-up
 * on the benchmark machine (docs/BENCHMARKS.md).
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ['claim', async () => (await import('./commands/claim.js')).registerClaim],
  ['elect', async () => (await import('./commands/elect.js')).registerElect],
  ['lock', async () => (await import('./commands/lock.js')).registerLock],
  ['config', async () => (await import('./commands/config.js')).registerConfig],
  ['ls', async () => (await import('./commands/ls.js')).registerLs],
  ['status', async () => (await import('./commands/status.js')).registerStatus],
  ['server', async () => (await import('./commands/server.js')).registerServer],
  ['demo', async () => (await import('./commands/demo.js')).registerDemo],
];

/** The command named on the line, or all of them (for help, `help <command>`, and unknown-command suggestions). */
function commandsFor(word: string | undefined): Promise<Register[]> {
  const named = COMMANDS.find(([name]) => name === word);
  return Promise.all((named ? [named] : COMMANDS).map(([, load]) => load()));
}

/**
 * Runs one command line and resolves with the exit code. Everything after a literal `--` is the child
 * command of claim/elect/lock (kept away from commander, so `claim -- ./worker.sh` never reads
 * `./worker.sh` as the parent path). The one place where errors become exit codes and messages.
 */
export async function main(argv: readonly string[], io: Io, onAction?: (commandPath: string) => void): Promise<number> {
  const split = argv.indexOf('--');
  const ownArgs = split === -1 ? [...argv] : argv.slice(0, split);
  const childArgv = split === -1 ? [] : argv.slice(split + 1);
  const { program, app } = createProgram(io, childArgv, onAction);
  try {
    for (const register of await commandsFor(subcommandWord(program, ownArgs))) register(program, app);
    await program.parseAsync(ownArgs, { from: 'user' });
    return app.ctx?.exitCode ?? 0;
  } catch (error) {
    const report = reportFor(error);
    if (report.message !== undefined) {
      const printer = app.ctx?.printer ?? new Printer(io, 'text', noColors, false);
      printer.error(report.message);
      if (io.env.ZK_COORD_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    }
    return report.code;
  } finally {
    await app.ctx?.dispose();
  }
}
