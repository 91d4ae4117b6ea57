import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { FaultProxy } from '../../src/server/fault-proxy.js';
import { closeClients, newClient, uniquePath, waitFor, zkConnect } from '../harness/zk.js';

const running: CliRun[] = [];
function claim(args: string[], options: { server?: string } = {}): CliRun {
  const run = spawnCli(['claim', ...args], options);
  running.push(run);
  return run;
}

afterEach(async () => {
  await stopAll(running);
  await closeClients();
});

async function idOf(run: CliRun): Promise<number> {
  return Number(await run.waitForLine(/^\d+$/));
}

describe('claim (seed 000)', () => {
  it("plays the seed's demo: 1, 2, 3; stop 2; a fourth gets 2; the stopped one comes back and gets 4", async () => {
    const parent = uniquePath('sequence');
    const one = claim([parent]);
    expect(await idOf(one)).toBe(1);
    const two = claim([parent]);
    expect(await idOf(two)).toBe(2);
    const three = claim([parent]);
    expect(await idOf(three)).toBe(3);
    two.signal('SIGTERM');
    expect(await two.exited).toBe(0);
    const four = claim([parent]);
    expect(await idOf(four)).toBe(2);
    const twoAgain = claim([parent]);
    expect(await idOf(twoAgain)).toBe(4);
    const listing = await runCli(['ls', parent, '-s']);
    const rows = listing.stdout.split('\n');
    expect(rows.map((r) => r.split('  ')[0])).toEqual(['1', '2', '3', '4']);
    // Who holds what: host and pid of each holder.
    expect(rows[1]).toContain(`"pid":${four.child.pid}`);
  });

  it('fills a gap: with 2 and 3 held, a new claimer gets 1', async () => {
    const parent = uniquePath('sequence');
    const c = await newClient();
    await c.mkdirp(parent);
    await c.create(`${parent}/2`, Buffer.alloc(0), 'ephemeral');
    await c.create(`${parent}/3`, Buffer.alloc(0), 'ephemeral');
    expect(await idOf(claim([parent]))).toBe(1);
  });

  it.each([1, 2, 3])('30 claimers started at once get exactly 1..30 (round %i)', async () => {
    const parent = uniquePath('sequence');
    const runs = Array.from({ length: 30 }, () => claim([parent, '-o', 'json']));
    const claims = await Promise.all(runs.map(async (r) => JSON.parse(await r.waitForLine(/^\{/, 30_000)) as { id: number; session: string; token: string }));
    expect(claims.map((c) => c.id).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const c of claims) expect(c).toMatchObject({ event: 'claimed', parent, path: `${parent}/${c.id}`, node: `${parent}/${c.id}` });
    expect(new Set(claims.map((c) => c.session)).size).toBe(30);
    expect(new Set(claims.map((c) => c.token)).size).toBe(30);
    for (const r of runs) r.signal('SIGINT');
    expect(new Set(await Promise.all(runs.map((r) => r.exited)))).toEqual(new Set([0]));
    const c = await newClient();
    expect((await c.getChildren(parent)).children).toEqual([]);
  }, 90_000);

  it('SIGINT and SIGTERM free the ID within 200 ms', async () => {
    const parent = uniquePath('sequence');
    const observer = await newClient();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const holder = claim([parent]);
      const id = await idOf(holder);
      const sent = Date.now();
      holder.signal(signal);
      await waitFor(async () => (await observer.exists(`${parent}/${id}`)) === null, 200, `${signal} frees the ID`);
      expect(Date.now() - sent).toBeLessThan(250);
      expect(await holder.exited).toBe(0);
    }
  });

  it('SIGKILL frees the ID only when the session expires; a new claimer then gets it', async () => {
    const parent = uniquePath('sequence');
    const observer = await newClient();
    const victim = claim(['--session-timeout', '2000', parent]);
    expect(await idOf(victim)).toBe(1);
    const killedAt = Date.now();
    victim.signal('SIGKILL');
    expect(await idOf(claim([parent]))).toBe(2);
    await waitFor(async () => (await observer.exists(`${parent}/1`)) === null, 6000, 'expiry');
    // The server expires between timeout − tick and timeout + tick after the last heartbeat.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1000);
    expect(await idOf(claim([parent]))).toBe(1);
  });

  it('runs the command with the ID in its environment and exits with its exact code', async () => {
    const parent = uniquePath('workers');
    for (const code of [0, 3, 42]) {
      const r = await runCli(['claim', parent, '--', 'sh', '-c', `echo "$ZK_COORD_ID|$ZK_COORD_PATH|$ZK_COORD_SESSION|$ZK_COORD_TOKEN"; exit ${code}`]);
      expect(r.code).toBe(code);
      // stdout is the command's alone; the ID line is on stderr.
      expect(r.stdout.split('\n')).toHaveLength(1);
      const [id, path, session, token] = r.stdout.split('|');
      expect(r.stderr).toContain(`claimed ID ${id}`);
      expect(path).toBe(`${parent}/${id}`);
      expect(session).toMatch(/^0x[0-9a-f]+$/);
      expect(BigInt(token!)).toBeGreaterThan(0n);
    }
    const c = await newClient();
    expect((await c.getChildren(parent)).children).toEqual([]);
  });

  it('forwards SIGTERM to the command and exits with its code; --exec runs through the shell', async () => {
    const parent = uniquePath('workers');
    const run = claim([parent, '--exec', 'trap "exit 7" TERM; echo ready; while :; do sleep 0.05; done']);
    await run.waitForLine(/^ready$/);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(7);
  });

  it('--max bounds the pool: --no-wait and --timeout give exit 6; a waiter gets the freed ID', async () => {
    const parent = uniquePath('pool');
    const a = claim([parent, '--max', '2']);
    const b = claim([parent, '--max', '2']);
    expect([await idOf(a), await idOf(b)].sort()).toEqual([1, 2]);
    const full = await runCli(['claim', parent, '--max', '2', '--no-wait']);
    expect(full.code).toBe(6);
    expect(full.stderr).toContain('taken');
    const late = await runCli(['claim', parent, '--max', '2', '--timeout', '0.3']);
    expect(late.code).toBe(6);
    expect(late.stderr).toContain('after 300ms');
    // Its older name still works.
    expect((await runCli(['claim', parent, '--max', '2', '--wait-timeout', '0.3'])).code).toBe(6);
    const waiter = claim([parent, '--max', '2']);
    await waiter.waitForLine(/waiting for one to be freed/, 10_000, 'stderr');
    b.signal('SIGINT');
    expect(await idOf(waiter)).toBe(await idOf(b));
  });

  it('a claimer interrupted (SIGINT) while waiting for a full pool exits 130: it never held an ID', async () => {
    const parent = uniquePath('pool');
    const holder = claim([parent, '--max', '1']);
    expect(await idOf(holder)).toBe(1);
    const waiter = claim([parent, '--max', '1']);
    await waiter.waitForLine(/waiting for one to be freed/, 10_000, 'stderr');
    waiter.signal('SIGINT');
    expect(await waiter.exited).toBe(130);
    expect(waiter.stdout).toEqual([]);
  });

  it('--id claims one number, waiting while it is taken', async () => {
    const parent = uniquePath('pool');
    const first = claim([parent, '--id', '5']);
    expect(await idOf(first)).toBe(5);
    expect((await runCli(['claim', parent, '--id', '5', '--no-wait'])).code).toBe(6);
    const second = claim([parent, '--id', '5']);
    await second.waitForLine(/ID 5 is taken/, 10_000, 'stderr');
    first.signal('SIGTERM');
    expect(await idOf(second)).toBe(5);
  });
});

describe('claim under faults', () => {
  it('a holder cut off past its session timeout reports the loss, stops its command and exits 4', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const parent = uniquePath('sequence');
      const dir = mkdtempSync(join(tmpdir(), 'zk-coord-claim-'));
      const marker = join(dir, 'stopped');
      const run = claim(['--session-timeout', '2000', parent, '--exec', `trap 'echo term > ${marker}; exit 0' TERM; echo child-up; while :; do sleep 0.05; done`], {
        server: proxy.connectString,
      });
      expect(await run.waitForLine(/^claimed ID \d+$/, 15_000, 'stderr')).toBe('claimed ID 1');
      await run.waitForLine(/^child-up$/);
      proxy.setMode('blackhole');
      await run.waitForLine(/no longer holding ID 1: .*; command stopped/, 10_000, 'stderr');
      expect(await run.exited).toBe(4);
      expect(readFileSync(marker, 'utf8').trim()).toBe('term');
      rmSync(dir, { recursive: true, force: true });
    } finally {
      await proxy.stop();
    }
  });

  it('--reclaim comes back with a new session and a valid number, restarting the command; no ID is ever held twice', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const parent = uniquePath('sequence');
      const observer = await newClient();
      const other = claim([parent]);
      expect(await idOf(other)).toBe(1);
      const run = claim(['--session-timeout', '2000', '-o', 'json', parent, '--reclaim', '--', 'sh', '-c', 'echo "child $ZK_COORD_ID"; while :; do sleep 0.05; done'], {
        server: proxy.connectString,
      });
      const first = JSON.parse(await run.waitForLine(/^\{/)) as { id: number; session: string };
      expect(first.id).toBe(2);
      proxy.setMode('refuse');
      await run.waitForLine(/no longer holding ID 2/, 10_000, 'stderr');
      proxy.setMode('pass');
      await waitFor(() => run.stdout.filter((l) => l.startsWith('{')).length === 2, 15_000, 'second claim');
      const again = JSON.parse(run.stdout.filter((l) => l.startsWith('{'))[1]!) as { id: number; session: string; path: string };
      expect(again.session).not.toBe(first.session);
      expect(again.id).toBeGreaterThanOrEqual(2);
      const stat = await observer.exists(again.path);
      expect(stat && `0x${BigInt.asUintN(64, stat.ephemeralOwner).toString(16)}`).toBe(again.session);
      await run.waitForLine(new RegExp(`^child ${again.id}$`));
      // Every held ID has exactly one live owner: the other claimer still holds 1, and nobody else holds ours.
      const { children } = await observer.getChildren(parent);
      const owners = await Promise.all(children.map(async (c) => (await observer.exists(`${parent}/${c}`))?.ephemeralOwner));
      expect(new Set(owners).size).toBe(children.length);
    } finally {
      await proxy.stop();
    }
  });
});
