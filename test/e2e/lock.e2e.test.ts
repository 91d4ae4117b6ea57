import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { closeClients, uniquePath } from '../harness/zk.js';

const running: CliRun[] = [];
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zk-coord-lock-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await stopAll(running);
  await closeClients();
});

/** Parses `enter <t>` / `leave <t>` lines and returns the highest number of holders at once. */
function maxConcurrent(log: string): number {
  let current = 0;
  let max = 0;
  for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
    current += line.startsWith('enter') ? 1 : -1;
    max = Math.max(max, current);
  }
  return max;
}

describe('lock', () => {
  it('5 processes appending to one file under the lock never overlap, each exits with its command code, tokens increase', async () => {
    const path = uniquePath('locks');
    const log = join(dir, `mutex-${Date.now()}`);
    const script = `echo "enter $ZK_COORD_TOKEN" >> ${log}; sleep 0.1; echo "leave $ZK_COORD_TOKEN" >> ${log}; exit 0`;
    const runs = Array.from({ length: 5 }, () => spawnCli(['lock', path, '--', 'sh', '-c', script]));
    running.push(...runs);
    expect(await Promise.all(runs.map((r) => r.exited))).toEqual([0, 0, 0, 0, 0]);
    expect(maxConcurrent(log)).toBe(1);
    const tokens = readFileSync(log, 'utf8').trim().split('\n').filter((l) => l.startsWith('enter')).map((l) => BigInt(l.split(' ')[1]!));
    expect(tokens).toHaveLength(5);
    for (let i = 1; i < tokens.length; i += 1) expect(tokens[i]! > tokens[i - 1]!).toBe(true);
  });

  it('without a command prints "acquired <token>" and holds until SIGINT; --timeout gives up with exit 6', async () => {
    const path = uniquePath('locks');
    const holder = spawnCli(['lock', path]);
    running.push(holder);
    const line = await holder.waitForLine(/^acquired \d+$/);
    expect(line).toMatch(/^acquired \d+$/);
    const started = Date.now();
    const waiter = await runCli(['lock', path, '--timeout', '0.5']);
    expect(waiter.code).toBe(6);
    expect(waiter.stderr).toContain('gave up waiting');
    expect(Date.now() - started).toBeLessThan(5000);
    holder.signal('SIGINT');
    expect(await holder.exited).toBe(0);
    const after = await runCli(['lock', path, '--', 'true']);
    expect(after.code).toBe(0);
  });

  it('a waiter stopped by SIGTERM before it holds exits 143 and never runs its command', async () => {
    const path = uniquePath('locks');
    const marker = join(dir, `never-${Date.now()}`);
    const holder = spawnCli(['lock', path]);
    running.push(holder);
    await holder.waitForLine(/^acquired/);
    const waiter = spawnCli(['lock', path, '--', 'sh', '-c', `touch ${marker}`]);
    running.push(waiter);
    await waiter.waitForLine(/waiting for lock/, 10_000, 'stderr');
    waiter.signal('SIGTERM');
    expect(await waiter.exited).toBe(143);
    expect(existsSync(marker)).toBe(false);
  });

  it('--limit 2 admits two at once and never three', async () => {
    const path = uniquePath('sem');
    const log = join(dir, `sem-${Date.now()}`);
    const script = `echo "enter" >> ${log}; sleep 0.3; echo "leave" >> ${log}`;
    const runs = Array.from({ length: 6 }, () => spawnCli(['lock', path, '--limit', '2', '--', 'sh', '-c', script]));
    running.push(...runs);
    expect(await Promise.all(runs.map((r) => r.exited))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(maxConcurrent(log)).toBe(2);
  });

  it('passes the command exit code through and reports a command that cannot start (127)', async () => {
    const path = uniquePath('locks');
    expect((await runCli(['lock', path, '--', 'sh', '-c', 'exit 5'])).code).toBe(5);
    const missing = await runCli(['lock', path, '--', '/nonexistent/cmd']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('could not run /nonexistent/cmd');
  });
});
