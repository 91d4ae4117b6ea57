import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { closeClients, newClient, sleep, uniquePath } from '../harness/zk.js';

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
    // Each holds for a second: long enough for a second holder to come in however loaded the machine is.
    const script = `echo "enter" >> ${log}; sleep 1; echo "leave" >> ${log}`;
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
    // Known before anything is held: nothing was locked for a command that cannot run.
    expect(missing.stderr).toContain('/nonexistent/cmd: no such file (nothing was held)');
  });

  it('--read / --write: readers share, a writer waits for them and holds alone, a later reader waits for the waiting writer', async () => {
    const path = uniquePath('rw');
    const readers = [0, 1, 2].map(() => spawnCli(['lock', path, '--read']));
    running.push(...readers);
    await Promise.all(readers.map((r) => r.waitForLine(/^acquired \d+$/)));
    const writer = spawnCli(['-o', 'json', 'lock', path, '--write']);
    running.push(writer);
    await writer.waitForLine(/waiting for write lock/, 10_000, 'stderr');
    const late = spawnCli(['lock', path, '--read']);
    running.push(late);
    await late.waitForLine(/waiting for read lock/, 10_000, 'stderr');
    // Still waiting with two readers gone: the third one still holds.
    readers[0]!.signal('SIGTERM');
    readers[1]!.signal('SIGTERM');
    await Promise.all([readers[0]!.exited, readers[1]!.exited]);
    await sleep(300);
    expect(writer.stdout).toEqual([]);
    readers[2]!.signal('SIGTERM');
    expect(JSON.parse(await writer.waitForLine(/"event":"acquired"/))).toMatchObject({ mode: 'exclusive', limit: null });
    // The late reader waits for the writer, not only for the readers that were ahead of it.
    await sleep(300);
    expect(late.stdout).toEqual([]);
    writer.signal('SIGTERM');
    await late.waitForLine(/^acquired \d+$/);
  });

  it('--read / --write have everything lock has: --timeout (exit 6, node gone), a supervised command with the fencing token, its group stopped on SIGTERM', async () => {
    const path = uniquePath('rw-all');
    const c = await newClient();
    // A writer holding, with a command: the token in its environment is the one it announced.
    const writer = spawnCli(['-o', 'json', 'lock', path, '--write', '--', 'sh', '-c', 'echo "token=$ZK_COORD_TOKEN"; sleep 600 & wait']);
    running.push(writer);
    const announced = JSON.parse(await writer.waitForLine(/"event":"acquired"/)) as { token: string; node: string };
    await writer.waitForLine(/^token=/);
    expect(writer.stdout).toContain(`token=${announced.token}`);
    expect(announced.token).toBe((await c.exists(announced.node))!.czxid.toString());
    // A reader gives up after --timeout, exit 6, its node gone.
    const started = Date.now();
    const reader = await runCli(['lock', path, '--read', '--timeout', '1s']);
    expect(reader.code).toBe(6);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect((await c.getChildren(path)).children).toHaveLength(1);
    // SIGTERM: the command's whole group goes (its code: 143), the write lock is released.
    writer.signal('SIGTERM');
    expect(await writer.exited).toBe(143);
    expect((await c.getChildren(path)).children).toEqual([]);
    // Now a reader with a command gets the lock and its own token.
    const second = await runCli(['lock', path, '--read', '--', 'sh', '-c', 'test -n "$ZK_COORD_TOKEN" && echo read-held']);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('read-held');
  });

  it('--read with --write or --limit is a usage error, nothing created', async () => {
    const path = uniquePath('rw-bad');
    expect((await runCli(['lock', path, '--read', '--write'])).code).toBe(2);
    expect((await runCli(['lock', path, '--read', '--limit', '2'])).code).toBe(2);
    const c = await newClient();
    expect(await c.exists(path)).toBeNull();
  });
  it('lock status --limit N marks the first N as holding; without it, says the limit is unknown', async () => {
    const path = uniquePath('status-slots');
    // One at a time, so the order is s1, s2, s3.
    for (const name of ['s1', 's2', 's3']) {
      const run = spawnCli(['lock', path, '--limit', '2', '--name', name]);
      running.push(run);
      if (name === 's3') await run.waitForLine(/waiting for lock/, 10_000, 'stderr');
      else await run.waitForLine(/^acquired \d+$/);
    }
    type View = { limit: number | null; contenders: Array<{ data: string; holds: boolean }> };
    const slots = JSON.parse((await runCli(['lock', 'status', path, '--limit', '2', '-o', 'json'])).stdout) as View;
    expect(slots.limit).toBe(2);
    expect(slots.contenders.map((c) => [c.data, c.holds])).toEqual([['s1', true], ['s2', true], ['s3', false]]);
    const text = (await runCli(['lock', 'status', path])).stdout;
    expect(text).toMatch(/^holder\s+lock-\S+  zk-coord  session 0x[0-9a-f]+  s1$/m);
    expect(text).toMatch(/^waiting 1\s+lock-\S+  zk-coord  session 0x[0-9a-f]+  s2$/m);
    expect(text).toContain('limit unknown: if this is a lock --limit N semaphore, the first N hold');
    expect((await runCli(['lock', 'status', path, '--limit', '2'])).stdout).not.toContain('limit unknown');
  });

  it('lock status warns (stderr, JSON conflict) and shows every layout where a lease pool sits beside sorted slots, or two pools', async () => {
    const path = uniquePath('status-mixed');
    const slot = spawnCli(['lock', path, '--limit', '2', '--name', 'ours']);
    running.push(slot);
    await slot.waitForLine(/^acquired \d+$/);
    // A Curator InterProcessSemaphoreV2 lease made later: Curator checks for no other layout.
    const c = await newClient();
    await c.mkdirp(`${path}/leases`);
    await c.create(`${path}/leases/_c_0b6f8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b-lease-`, Buffer.from('cu'), 'ephemeral-sequential');
    const mixed = await runCli(['lock', 'status', path, '-o', 'json']);
    expect(mixed.code).toBe(0);
    expect(mixed.stderr).toMatch(/warning: .*semaphores disagree: Curator InterProcessSemaphoreV2 and sorted contenders/);
    const views = mixed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { convention: string; layout: string; conflict: string | null; contenders?: Array<{ data: string }>; leases?: Array<{ data: string }> });
    expect(views.map((v) => [v.convention, v.layout])).toEqual([['zk-coord', 'zk-coord'], ['curator', 'curator-semaphore']]);
    expect(views.every((v) => v.conflict?.includes('each counts only its own leases'))).toBe(true);
    expect(views[0]!.contenders!.map((l) => l.data)).toEqual(['ours']);
    expect(views[1]!.leases!.map((l) => l.data)).toEqual(['cu']);
    // The refusal says the same.
    const refused = await runCli(['lock', path, '--limit', '2', '--', 'true']);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain('semaphores disagree');
    slot.signal('SIGTERM');
    expect(await slot.exited).toBe(0);
    // Two pools: a kazoo Semaphore's lock sibling beside Curator's leases.
    await c.mkdirp(`${path}-__lock__`);
    const pools = await runCli(['lock', 'status', path]);
    expect(pools.stderr).toContain('Curator InterProcessSemaphoreV2 and kazoo Semaphore are kept there');
    expect(pools.stdout).toContain('(Curator InterProcessSemaphoreV2: leases under');
    expect(pools.stdout).toContain('(kazoo Semaphore: leases under');
    expect(pools.stdout).not.toContain('no contenders');
  });

  it('lock status --compat warns when the contenders follow another library', async () => {
    const path = uniquePath('status-compat');
    const holder = spawnCli(['lock', path, '--name', 'ours']);
    running.push(holder);
    await holder.waitForLine(/^acquired \d+$/);
    const asked = await runCli(['lock', 'status', path, '--compat', 'kazoo', '-o', 'json']);
    expect(asked.stderr).toContain('--compat kazoo asked for, but the contenders there follow zk-coord');
    expect((JSON.parse(asked.stdout) as { conflict: string }).conflict).toContain('--compat kazoo asked for');
    const plain = await runCli(['lock', 'status', path, '-o', 'json']);
    expect(plain.stderr).toBe('');
    expect((JSON.parse(plain.stdout) as { conflict: null }).conflict).toBeNull();
  });
});
