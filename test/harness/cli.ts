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
