import { processIo } from '../output/io.js';
import { main } from './main.js';

/** The bin's entry: sets the exit code and lets the process end by itself, so stdout drains. */
export async function run(): Promise<void> {
  // A closed stdout (`zk-coord ls -R / | head`) ends the command, as SIGPIPE ends other tools: through the
  // SIGTERM path, so whatever a long-running command holds is released, instead of an EPIPE stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.kill(process.pid, 'SIGTERM');
  });
  process.exitCode = await main(process.argv.slice(2), processIo());
}
