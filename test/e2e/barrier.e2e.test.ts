import { afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { closeClients, newClient, sleep, uniquePath, waitFor } from '../harness/zk.js';

const running: CliRun[] = [];
afterEach(async () => {
  await stopAll(running);
  await closeClients();
});

/** Resolves with the time the process printed its first stdout line (the barrier opened for it). */
function passedAt(run: CliRun): Promise<number> {
  return run.waitForLine(/./, 30_000).then(() => Date.now());
}

async function waitingCount(path: string, n: number): Promise<void> {
  const client = await newClient();
  await waitFor(async () => (await client.getChildren(path).catch(() => ({ children: [] as string[] }))).children.filter((c) => c !== 'ready').length >= n, 15_000, `${n} members`);
}

describe('barrier', () => {
  it('3 members, the third 1 s late: nobody passes before it, all within 200 ms after; each prints the members', async () => {
    const path = uniquePath('barrier');
    const early = [spawnCli(['barrier', path, '--count', '3', '--name', 'm1']), spawnCli(['barrier', path, '--count', '3', '--name', 'm2'])];
    running.push(...early);
    const passes = early.map(passedAt);
    await waitingCount(path, 2);
    await sleep(1000);
    expect(early.every((r) => r.stdout.length === 0)).toBe(true);
    const lateStarted = Date.now();
    const late = spawnCli(['barrier', path, '--count', '3', '--name', 'm3', '-o', 'json']);
    running.push(late);
    const times = await Promise.all([...passes, passedAt(late)]);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(lateStarted);
    // The opening as the server recorded it (same host clock): the gate's creation, right after the third
    // member's node (the members' nodes are gone by now).
    const client = await newClient();
    const opened = (await client.getData(`${path}/ready`)).stat.ctime.getTime();
    for (const t of times) expect(t - opened).toBeLessThan(200);
    expect(await Promise.all([...early, late].map((r) => r.exited))).toEqual([0, 0, 0]);
    const record = JSON.parse(late.stdout[0] as string) as { event: string; path: string; members: Array<{ name: string; node: string }> };
    expect(record).toMatchObject({ event: 'open', path });
    expect(record.members.map((m) => m.name).sort()).toEqual(['m1', 'm2', 'm3']);
    for (const m of record.members) expect(m.node).toMatch(new RegExp(`^${path}/[0-9a-f]{32}$`));
    expect([...early[0]!.stdout].sort().map((l) => l.split(' ')[0])).toEqual(['m1', 'm2', 'm3']);
  });

  it('--timeout 1s alone: exit 6 in time, its member node gone; --count 0 and holder options without a command are exit 2 with nothing created', async () => {
    const path = uniquePath('barrier');
    const started = Date.now();
    const alone = await runCli(['barrier', path, '--count', '2', '--timeout', '1s']);
    expect(alone.code).toBe(6);
    expect(Date.now() - started).toBeLessThan(6000);
    const client = await newClient();
    expect((await client.getChildren(path)).children).toEqual([]);
    const other = uniquePath('barrier');
    expect((await runCli(['barrier', other, '--count', '0'])).code).toBe(2);
    expect((await runCli(['barrier', other, '--count', '1.5'])).code).toBe(2);
    // Holder options without a command are refused, not ignored.
    const holderOnly = await runCli(['barrier', other, '--count', '1', '--grace', '3s', '--detach']);
    expect(holderOnly.code).toBe(2);
    expect(holderOnly.stderr.trim().split('\n')).toEqual([expect.stringContaining('--grace, --detach only apply with a command')]);
    expect(await client.exists(other)).toBeNull();
  });

  it('two rounds on one path: the second round waits for its own members (the ready left by the first does not open it)', async () => {
    const path = uniquePath('barrier');
    const first = [spawnCli(['barrier', path, '--count', '2']), spawnCli(['barrier', path, '--count', '2'])];
    expect(await Promise.all(first.map((r) => r.exited))).toEqual([0, 0]);
    const client = await newClient();
    expect(await client.exists(`${path}/ready`)).not.toBeNull();
    const next = spawnCli(['barrier', path, '--count', '2', '--name', 'r2a']);
    running.push(next);
    await next.waitForLine(/waiting at barrier/, 15_000, 'stderr');
    await sleep(700);
    expect(next.stdout).toEqual([]);
    expect(next.running).toBe(true);
    const partner = spawnCli(['barrier', path, '--count', '2', '--name', 'r2b']);
    running.push(partner);
    expect(await Promise.all([next.exited, partner.exited])).toEqual([0, 0]);
    expect(next.stdout.map((l) => l.split(' ')[0]).sort()).toEqual(['r2a', 'r2b']);
  });

  it('with commands of 0.2 s, 1 s and 2 s: every zk-coord exits after the 2 s one ended, each with its own command code', async () => {
    const path = uniquePath('barrier');
    const runs = [
      ['0.2', 3],
      ['1', 0],
      ['2', 5],
    ].map(([seconds, code]) => spawnCli(['barrier', path, '--count', '3', '--', 'sh', '-c', `sleep ${seconds}; date +%s%3N; exit ${code}`]));
    running.push(...runs);
    const exitedAt = runs.map((r) => r.exited.then((code) => ({ code, at: Date.now() })));
    const results = await Promise.all(exitedAt);
    expect(results.map((r) => r.code)).toEqual([3, 0, 5]);
    const slowestEnded = Number(runs[2]!.stdout[0]);
    for (const r of results) expect(r.at).toBeGreaterThanOrEqual(slowestEnded);
    // The quick one really waited: it ended its command well before it exited.
    expect(results[0]!.at - Number(runs[0]!.stdout[0])).toBeGreaterThan(1000);
    expect(runs[0]!.stderr.join('\n')).toContain('waiting for');
  });

  it('a member whose command ended: SIGINT while the others leave keeps its status; --timeout bounds that wait (exit 6 after success, else the status)', async () => {
    const path = uniquePath('barrier-leave');
    const slow = spawnCli(['barrier', path, '--count', '4', '--', 'sleep', '30']);
    const stopped = spawnCli(['barrier', path, '--count', '4', '--', 'sh', '-c', 'exit 3']);
    running.push(slow, stopped);
    // The bounded members arrive last: their --timeout (which bounds entering too) then only meets the leave.
    await waitingCount(path, 2);
    const bounded = spawnCli(['barrier', path, '--count', '4', '--timeout', '3s', '--', 'true']);
    const failed = spawnCli(['barrier', path, '--count', '4', '--timeout', '3s', '--', 'sh', '-c', 'exit 5']);
    running.push(bounded, failed);
    await stopped.waitForLine(/waiting for \d+ more to leave/, 15_000, 'stderr');
    stopped.signal('SIGINT');
    expect(await stopped.exited).toBe(3);
    expect(stopped.stderr.join('\n')).toContain('stopped while the others leave barrier');
    const started = Date.now();
    expect(await bounded.exited).toBe(6);
    expect(await failed.exited).toBe(5);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const run of [bounded, failed]) expect(run.stderr.join('\n')).toMatch(/gave up waiting for the members of barrier \S+ to leave after 3s/);
    // The slow member still runs its command: nobody else's stop or timeout ended it.
    expect(await Promise.race([slow.exited, sleep(200).then(() => 'running')])).toBe('running');
  });

  it('--acl is our member node\'s, with a command and without', async () => {
    const path = uniquePath('barrier-acl');
    const runs = [spawnCli(['barrier', path, '--count', '3', '--acl', 'world:anyone:r']), spawnCli(['barrier', path, '--count', '3', '--acl', 'world:anyone:r', '--', 'true'])];
    running.push(...runs);
    await waitingCount(path, 2);
    const client = await newClient();
    const members = (await client.getChildren(path)).children.filter((c) => c !== 'ready');
    expect(members).toHaveLength(2);
    for (const member of members) expect((await client.getAcl(`${path}/${member}`)).acl).toEqual([{ scheme: 'world', id: 'anyone', perms: 'r' }]);
    // One the other members could not read would fail them all: refused before anything is created.
    const unreadable = await runCli(['barrier', uniquePath('barrier-acl'), '--count', '2', '--acl', 'ip:127.0.0.1:cdrwa']);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain('world:anyone:r');
  });

  it('a member SIGKILLed while waiting no longer counts once its session ends', async () => {
    const path = uniquePath('barrier');
    const doomed = spawnCli(['barrier', path, '--count', '2', '--session-timeout', '2000']);
    running.push(doomed);
    await waitingCount(path, 1);
    doomed.signal('SIGKILL');
    await doomed.exited;
    const client = await newClient();
    await waitFor(async () => (await client.getChildren(path)).children.length === 0, 15_000, 'the killed member to go with its session');
    const waiter = spawnCli(['barrier', path, '--count', '2', '--name', 'w1']);
    running.push(waiter);
    await waiter.waitForLine(/1 of 2 present/, 15_000, 'stderr');
    await sleep(500);
    expect(waiter.stdout).toEqual([]);
    const second = await runCli(['barrier', path, '--count', '2', '--name', 'w2']);
    expect(second.code).toBe(0);
    expect(await waiter.exited).toBe(0);
    expect(waiter.stdout.map((l) => l.split(' ')[0]).sort()).toEqual(['w1', 'w2']);
  });
});
