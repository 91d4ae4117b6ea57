import { Printer } from '../output/printer.js';
import { noColors } from '../output/colors.js';
import type { Io } from '../output/io.js';
import { registerClaim } from './commands/claim.js';
import { registerConfig } from './commands/config.js';
import { registerDemo } from './commands/demo.js';
import { registerElect } from './commands/elect.js';
import { registerLock } from './commands/lock.js';
import { registerLs } from './commands/ls.js';
import { registerServer } from './commands/server.js';
import { registerStatus } from './commands/status.js';
import { reportFor } from './exit-codes.js';
import { createProgram, type Register } from './program.js';

/** In the order `--help` lists them: the recipes first, then the zkCli mirror, then the local server. */
export const COMMANDS: readonly Register[] = [
  registerClaim,
  registerElect,
  registerLock,
  registerConfig,
  registerLs,
  registerStatus,
  registerServer,
  registerDemo,
];

/**
 * Runs one command line and resolves with the exit code. Everything after a literal `--` is the child
 * command of claim/elect/lock (kept away from commander, so `claim -- ./worker.sh` never reads
 * `./worker.sh` as the parent path). The one place where errors become exit codes and messages.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const split = argv.indexOf('--');
  const ownArgs = split === -1 ? [...argv] : argv.slice(0, split);
  const childArgv = split === -1 ? [] : argv.slice(split + 1);
  const { program, app } = createProgram(io, childArgv, COMMANDS);
  try {
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
