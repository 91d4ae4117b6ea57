import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { zkConnect } from './zk.js';

const run = promisify(execFile);
/** zkCli.sh of ZOOKEEPER_HOME's release, else Debian's zookeeper package (scripts/check-zookeeper.mjs checks it). */
export const ZKCLI = process.env.ZOOKEEPER_HOME ? `${process.env.ZOOKEEPER_HOME}/bin/zkCli.sh` : '/usr/share/zookeeper/bin/zkCli.sh';

/** Runs one zkCli.sh command against the test server (or `server`); resolves with its stdout lines. */
export async function zkCli(args: string[], server = zkConnect()): Promise<string[]> {
  const { stdout } = await run(ZKCLI, ['-server', server, ...args], { timeout: 30_000 });
  // zkCli prints its connection chatter before the command's own output.
  return stdout.split('\n').filter((l) => !/^(WATCHER::|WatchedEvent|Connecting to|$)/.test(l));
}
