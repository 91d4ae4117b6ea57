import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { sleep, uniquePath, waitFor } from '../harness/zk.js';

/**
 * After the command's own exit, what it left in its group is cleaned up (SIGTERM, SIGKILL after --grace) —
 * and stays guarded by the keeper meanwhile: a zk-coord SIGKILLed or stopped during that cleanup must not leave
 * a SIGTERM-proof background job running (the margin benchmark once left one behind for good).
 */
const running: CliRun[] = [];
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zk-coord-keeper-'));
});
afterEach(async () => {
  for (const run of running) run.signal('SIGCONT');
  await stopAll(running);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

/**
 * A command that exits as soon as its background job ignores SIGTERM (the job writes its pid to `pidFile`
 * once its trap is set: exiting earlier would let the cleanup's SIGTERM beat the trap).
 */
function leaveStubbornJob(pidFile: string): string {
  return `sh -c 'trap "" TERM; echo $$ > ${pidFile}; exec sleep 600' & while [ ! -s ${pidFile} ]; do sleep 0.05; done; exit 0`;
}

async function startAndWaitForJob(args: string[], pidFile: string): Promise<{ run: CliRun; job: number }> {
  const run = spawnCli(args);
  running.push(run);
  const job = await waitFor(() => {
    try {
      return Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }, 15_000, 'the background job');
  return { run, job };
}

describe('the keeper guards what a command left behind', () => {
  it('SIGKILL of zk-coord during the cleanup grace: the SIGTERM-proof job is gone within 1 s', async () => {
    const pidFile = join(dir, 'killed.pid');
    const { run, job } = await startAndWaitForJob(['claim', uniquePath('keeper'), '--grace', '30s', '--exec', leaveStubbornJob(pidFile)], pidFile);
    // The command has exited; zk-coord is in the 30 s cleanup grace, the job shrugs off its SIGTERM.
    await sleep(300);
    expect(alive(job)).toBe(true);
    run.signal('SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => !alive(job), 5000, 'the job to die');
    expect(Date.now() - killedAt).toBeLessThan(1000);
  });

  it('zk-coord stopped (SIGSTOP) during the cleanup grace: the keeper kills the job by its deadline, 5/8 of the session timeout', async () => {
    const pidFile = join(dir, 'stopped.pid');
    const { run, job } = await startAndWaitForJob(
      ['--session-timeout', '2000', 'claim', uniquePath('keeper'), '--grace', '30s', '--exec', leaveStubbornJob(pidFile)],
      pidFile,
    );
    await sleep(200);
    run.signal('SIGSTOP');
    const stoppedAt = Date.now();
    await waitFor(() => !alive(job), 5000, 'the job to die');
    // 1250 ms after the last renewal at the latest; well before the session (2 s) can expire.
    expect(Date.now() - stoppedAt).toBeLessThan(2000);
    run.signal('SIGCONT');
  });

  it('left alone, zk-coord waits for the job only as long as --grace, then SIGKILLs it and exits with the command code', async () => {
    const pidFile = join(dir, 'grace.pid');
    const { run, job } = await startAndWaitForJob(['claim', uniquePath('keeper'), '--grace', '1s', '--exec', leaveStubbornJob(pidFile)], pidFile);
    expect(await run.exited).toBe(0);
    expect(alive(job)).toBe(false);
  });
});
