import { processIo, outputPolicy } from '../output/io.js';
import { main } from './main.js';

/**
 * The bin's entry: sets the exit code and lets the process end by itself, so stdout drains. Resolves with
 * the command that ran (`config get`), which tells the bin whether its code cache covers that command yet.
 */
export async function run(): Promise<string | undefined> {
  // A closed stdout (`zk-coord ls -R / | head`) ends a one-shot or watching command, as SIGPIPE ends other
  // tools: through the SIGTERM path, so nothing is left behind, instead of an EPIPE stack trace. A holder
  // never dies of its own streams: a closed stdout or stderr only drops further output, and the hold, the
  // supervision and the clean release go on (a crash there would leave its command without a supervisor).
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    outputPolicy.stdoutBroken = true;
    if (error.code === 'EPIPE' && !outputPolicy.holding) process.kill(process.pid, 'SIGTERM');
  });
  process.stderr.on('error', () => {
    outputPolicy.stderrBroken = true;
  });
  let ran: string | undefined;
  process.exitCode = await main(process.argv.slice(2), processIo(), (commandPath) => (ran = commandPath));
  return ran;
}
