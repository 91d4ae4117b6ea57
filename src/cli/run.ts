import { processIo } from '../output/io.js';
import { main } from './main.js';

/**
 * The bin's entry: sets the exit code and lets the process end by itself, so stdout drains. Resolves with
 * the command that ran (`config get`), which tells the bin whether its code cache covers that command yet.
 */
export async function run(): Promise<string | undefined> {
  // A closed stdout (`zk-coord ls -R / | head`) ends the command, as SIGPIPE ends other tools: through the
  // SIGTERM path, so whatever a long-running command holds is released, instead of an EPIPE stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.kill(process.pid, 'SIGTERM');
  });
  let ran: string | undefined;
  process.exitCode = await main(process.argv.slice(2), processIo(), (commandPath) => (ran = commandPath));
  return ran;
}
