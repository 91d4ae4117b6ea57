import { CliProcess, ZK_COORD_BIN } from '../../src/process/cli-process.js';
import { zkConnect } from './zk.js';

export const BIN = ZK_COORD_BIN;
export type CliRun = CliProcess;

/** Spawns the built CLI against the shared test server (or `server`), without colour. */
export function spawnCli(args: string[], options: { env?: NodeJS.ProcessEnv; server?: string } = {}): CliRun {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ZK_COORD_SERVER: options.server ?? zkConnect(), ...options.env };
  if (options.env?.FORCE_COLOR === undefined) delete env.FORCE_COLOR;
  return new CliProcess(args, env);
}

/** Runs the CLI to completion. */
export async function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; server?: string; input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string; bytes: Buffer }> {
  const run = spawnCli(args, options);
  run.input(options.input ?? '');
  const code = await run.exited;
  return { code, stdout: run.stdout.join('\n'), stderr: run.stderr.join('\n'), bytes: run.stdoutBytes() };
}

/**
 * Ends processes a test left running: SIGTERM first, so a supervisor stops its child command (SIGKILL
 * would orphan it, still running after the suite), SIGKILL only for one still there after `graceMs`.
 */
export async function stopAll(runs: CliRun[], graceMs = 5000): Promise<void> {
  await Promise.all(
    runs.splice(0).map(async (run) => {
      if (!run.running) return;
      run.signal('SIGTERM');
      const timer = setTimeout(() => run.signal('SIGKILL'), graceMs);
      await run.exited;
      clearTimeout(timer);
    }),
  );
}

/**
 * The CLI runs of one test file, started with `start` and all stopped (SIGTERM first) by `stop`, which an
 * afterEach calls: what every holder test sets up.
 */
export function trackedRuns(): { start: (args: string[], server?: string) => CliRun; stop: () => Promise<void>; readonly all: CliRun[] } {
  const all: CliRun[] = [];
  return {
    all,
    start(args, server) {
      const run = spawnCli(args, server ? { server } : {});
      all.push(run);
      return run;
    },
    stop: () => stopAll(all),
  };
}
