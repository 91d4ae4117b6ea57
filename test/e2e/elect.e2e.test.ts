import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchEnsemble, stopNode, stopNodeAndWait, type LaunchedEnsemble } from '../../src/server/launcher.js';
import { fourLetterWord } from '../../src/zk/four-letter.js';
import { spawn } from 'node:child_process';
import { runCli as runCliOnce, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { FaultProxy } from '../../src/server/fault-proxy.js';
import { ZKCLI } from '../harness/zkcli.js';
import { closeClients, newClient, sleep, uniquePath, waitFor, zkConnect } from '../harness/zk.js';

const running: CliRun[] = [];
function elect(args: string[], options: { server?: string } = {}): CliRun {
  const run = spawnCli(['elect', ...args], options);
  running.push(run);
  return run;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zk-coord-elect-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await stopAll(running);
  await closeClients();
});

interface LeaderLine {
  event: string;
  name: string;
  /** The election. */
  path: string;
  /** Our candidate node. */
  node: string;
  token: string;
  session: string;
}

const leaderOf = async (run: CliRun, timeoutMs = 15_000): Promise<LeaderLine> => JSON.parse(await run.waitForLine(/"event":"elected"/, timeoutMs)) as LeaderLine;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('elect', () => {
  it('rotates: 5 candidates x 3 rounds, each leads exactly once per round, leadership intervals never overlap', async () => {
    const path = uniquePath('election');
    const log = join(dir, `rotation-${Date.now()}`);
    for (let round = 0; round < 3; round += 1) {
      const runs = Array.from({ length: 5 }, (_, i) =>
        elect([path, `c${i}`, '--', 'sh', '-c', `echo "start $ZK_COORD_NAME $(date +%s%N)" >> ${log}; sleep 0.15; echo "end $ZK_COORD_NAME $(date +%s%N)" >> ${log}`]),
      );
      expect(await Promise.all(runs.map((r) => r.exited))).toEqual([0, 0, 0, 0, 0]);
    }
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
    expect(lines).toHaveLength(30);
    for (let round = 0; round < 3; round += 1) {
      const starts = lines.slice(round * 10, round * 10 + 10).filter((l) => l[0] === 'start').map((l) => l[1]);
      expect(starts.sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    }
    // Strict alternation start/end of the same name: no two leaders at once.
    for (let i = 0; i < lines.length; i += 2) {
      expect(lines[i]![0]).toBe('start');
      expect(lines[i + 1]![0]).toBe('end');
      expect(lines[i + 1]![1]).toBe(lines[i]![1]);
      if (i > 0) expect(BigInt(lines[i]![2]!)).toBeGreaterThanOrEqual(BigInt(lines[i - 1]![2]!));
    }
  }, 120_000);

  it('SIGTERM of the leader: it resigns and exits 0, the next leads promptly with a greater token', async () => {
    const path = uniquePath('election');
    const a = elect(['-o', 'json', path, 'a']);
    const first = await leaderOf(a);
    const b = elect(['-o', 'json', path, 'b']);
    await b.waitForLine(/following a/, 10_000, 'stderr');
    const sent = Date.now();
    a.signal('SIGTERM');
    const second = await leaderOf(b);
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(await a.exited).toBe(0);
    expect(second.name).toBe('b');
    expect(BigInt(second.token)).toBeGreaterThan(BigInt(first.token));
  });

  it('SIGKILL of the leader: the next leads only once the old node is gone (session expiry)', async () => {
    const path = uniquePath('election');
    const observer = await newClient();
    const a = elect(['--session-timeout', '2000', '-o', 'json', path, 'a']);
    const first = await leaderOf(a);
    const b = elect(['-o', 'json', path, 'b']);
    await b.waitForLine(/following a/, 10_000, 'stderr');
    const killed = Date.now();
    a.signal('SIGKILL');
    await leaderOf(b, 10_000);
    expect(await observer.exists(first.node)).toBeNull();
    expect(Date.now() - killed).toBeGreaterThanOrEqual(1000);
  });

  it('runs the command only while leading, with the env, and exits with its code when it ends', async () => {
    const path = uniquePath('election');
    const r = elect([path, 'svc1', '--exec', 'echo "$ZK_COORD_LEADER $ZK_COORD_NAME $ZK_COORD_PATH $ZK_COORD_TOKEN"; exit 9']);
    expect(await r.exited).toBe(9);
    const envLine = r.stdout.find((l) => l.startsWith('1 '))!;
    const [, name, p, token] = envLine.split(' ');
    expect([name, p]).toEqual(['svc1', path]);
    // stdout is the command's alone; the leader line is on stderr.
    expect(r.stdout).toEqual([envLine]);
    const leaderLine = r.stderr.find((l) => l.startsWith('leader '))!;
    expect(leaderLine).toBe(`leader svc1  ${leaderLine.split('  ')[1]}  token ${token}`);
  });

  it('wakes exactly one waiter per leader change (20 waiters; counted from their own --trace)', async () => {
    const path = uniquePath('herd');
    const leader = elect(['-o', 'json', path, 'leader']);
    await leaderOf(leader);
    const waiters: CliRun[] = [];
    for (let i = 0; i < 20; i += 1) {
      const w = elect(['--trace', path, `w${i}`]);
      await w.waitForLine(/^following /, 15_000, 'stderr');
      waiters.push(w);
    }
    const listings = (w: CliRun): number => w.stderr.filter((l) => l === `[zk] ls ${path}`).length;
    const before = waiters.map(listings);
    leader.signal('SIGTERM');
    await waiters[0]!.waitForLine(/^leader w0/);
    await sleep(500);
    const woken = waiters.map((w, i) => listings(w) - before[i]!).map((d, i) => (d > 0 ? i : -1)).filter((i) => i >= 0);
    expect(woken).toEqual([0]);
  }, 90_000);

  it('orders candidates made by hand the zkCli way (create -e -s /election/candidate) among its own (seed 002)', async () => {
    const path = uniquePath('election');
    const byHand = await newClient();
    await byHand.mkdirp(path);
    const handNode = await byHand.create(`${path}/candidate`, Buffer.from('service1'), 'ephemeral-sequential');
    expect(handNode).toMatch(/candidate0000000000$/);
    const ours = elect(['-o', 'json', path, 'service2']);
    await ours.waitForLine(/following service1 \(candidate0000000000\), the leader$/, 10_000, 'stderr');
    const observer = elect(['--observe', '-o', 'json', path]);
    expect(JSON.parse(await observer.waitForLine(/"event":"leader"/))).toMatchObject({ name: 'service1', path, node: handNode });
    await byHand.close();
    expect((await leaderOf(ours)).name).toBe('service2');
    await observer.waitForLine(/"name":"service2"/);
  });

  it('a paused leader (SIGSTOP past the session timeout) treats itself as lost on SIGCONT: kills its command, never leads on its old node again', async () => {
    const path = uniquePath('election');
    const pidFile = join(dir, `child-${Date.now()}`);
    const a = elect(['--session-timeout', '2000', '-o', 'json', path, 'a', '--', 'sh', '-c', `echo $$ > ${pidFile}; while :; do sleep 0.05; done`]);
    const first = await leaderOf(a);
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5000, 'child pid');
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    const b = elect(['-o', 'json', path, 'b']);
    await b.waitForLine(/following a/, 10_000, 'stderr');
    a.signal('SIGSTOP');
    const second = await leaderOf(b, 15_000);
    expect(BigInt(second.token)).toBeGreaterThan(BigInt(first.token));
    a.signal('SIGCONT');
    await a.waitForLine(/"event":"lost"/, 10_000);
    await waitFor(() => !pidAlive(childPid), 10_000, 'old child killed');
    await sleep(500);
    // One leader line only (the first); the lost line after it; no leader line for the old node again.
    const events = a.stdout.map((l) => JSON.parse(l) as { event: string; path?: string; node?: string });
    expect(events.map((e) => e.event)).toEqual(['elected', 'lost']);
    // Both name the election and our node alike.
    expect(events.map((e) => [e.path, e.node])).toEqual([[path, first.node], [path, first.node]]);
    expect(a.stderr.join('\n')).toMatch(/session lost/);
  }, 60_000);

  it('takes part with a candidate held by a live zkCli.sh session (create -e -s), and leads once zkCli quits', async () => {
    const path = uniquePath('election');
    const c = await newClient();
    await c.mkdirp(path);
    const zkcli = spawn(ZKCLI, ['-server', zkConnect()], { stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      zkcli.stdin.write(`create -e -s ${path}/candidate "service1"\n`);
      await waitFor(async () => (await c.getChildren(path)).children.length === 1, 20_000, 'zkCli candidate');
      const ours = elect(['-o', 'json', path, 'service2']);
      await ours.waitForLine(/following service1 \(candidate0000000000\)/, 10_000, 'stderr');
      expect(ours.stdout).toHaveLength(0);
      zkcli.stdin.end('quit\n');
      expect((await leaderOf(ours)).name).toBe('service2');
    } finally {
      zkcli.kill('SIGKILL');
    }
  }, 60_000);

  it('stops leading when disconnected longer than --suspend-grace, though the session may live: command stopped, exit 4 with --once', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const path = uniquePath('election');
      const pidFile = join(dir, `suspend-${Date.now()}`);
      const a = elect(['--session-timeout', '8000', '--suspend-grace', '1', '--once', '-o', 'json', path, 'a', '--', 'sh', '-c', `echo $$ > ${pidFile}; while :; do sleep 0.05; done`], {
        server: proxy.connectString,
      });
      await leaderOf(a);
      await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5000, 'child pid');
      const childPid = Number(readFileSync(pidFile, 'utf8'));
      const cut = Date.now();
      proxy.setMode('refuse');
      expect(await a.exited).toBe(4);
      // Suspended at once (refused), then the 1 s grace: well before the 8 s session timeout.
      expect(Date.now() - cut).toBeLessThan(5000);
      expect(pidAlive(childPid)).toBe(false);
      expect(a.stderr.join('\n')).toContain('disconnected from ZooKeeper for more than 1s');
    } finally {
      await proxy.stop();
    }
  });

  it('protected create through the CLI: the connection cut right after each create is forwarded leaves no orphan, 20 times out of 20', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const path = uniquePath('election');
      const observer = await newClient();
      await observer.mkdirp(path);
      for (let i = 0; i < 20; i += 1) {
        proxy.dropAfterRequest(1);
        const run = elect(['-o', 'json', path, `n${i}`], { server: proxy.connectString });
        const led = await leaderOf(run);
        const { children } = await observer.getChildren(path);
        expect(led.path).toBe(path);
        expect(children).toEqual([led.node.slice(path.length + 1)]);
        run.signal('SIGTERM');
        expect(await run.exited).toBe(0);
        expect((await observer.getChildren(path)).children).toEqual([]);
      }
      expect(proxy.drops).toBe(20);
    } finally {
      await proxy.stop();
    }
  }, 120_000);

  it('--once exits 4 after losing leadership', async () => {
    const path = uniquePath('election');
    const observer = await newClient();
    const a = elect(['--once', '-o', 'json', path, 'a']);
    const first = await leaderOf(a);
    // Someone deletes the leader node by hand: leadership is lost.
    await observer.remove(first.node);
    expect(await a.exited).toBe(4);
    expect(a.stdout.at(-1)).toContain('"event":"lost"');
  });
  it('elect --observe and elect status warn when the candidates follow two libraries, or another than --compat', async () => {
    const path = uniquePath('election-mixed');
    const c = await newClient();
    await c.mkdirp(path);
    await c.create(`${path}/candidate-0b6f8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b-`, Buffer.from('ours'), 'ephemeral-sequential');
    const asked = await runCliOnce(['elect', 'status', path, '--compat', 'curator-latch', '-o', 'json']);
    expect(asked.stderr).toContain('--compat curator-latch asked for, but the contenders there follow zk-coord');
    expect((JSON.parse(asked.stdout) as { conflict: string; convention: string }).convention).toBe('zk-coord');
    const observer = elect(['--observe', path]);
    await observer.waitForLine(/^leader ours/);
    expect(observer.stderr.join('\n')).not.toContain('warning');
    await c.create(`${path}/_c_f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9-latch-`, Buffer.from('latch'), 'ephemeral-sequential');
    await observer.waitForLine(/warning: .*contenders disagree.*; the leader shown follows zk-coord's order/, 10_000, 'stderr');
  });
});

describe('elect on a 3-node ensemble (seed 001)', () => {
  let ensemble: LaunchedEnsemble;
  let base: string;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'zk-coord-ensemble-'));
    ensemble = await launchEnsemble({ size: 3, baseDir: base, tickTimeMs: 500, ownerPid: process.pid });
  }, 90_000);

  afterAll(async () => {
    for (const node of ensemble.nodes) await stopNodeAndWait(node);
    rmSync(base, { recursive: true, force: true });
  });

  it('killing the server the leader is connected to keeps the same session and leader: no leader change', async () => {
    const server = ensemble.connectString;
    const path = uniquePath('election');
    const leader = elect(['--session-timeout', '6000', '-o', 'json', path, 'service1'], { server });
    const elected = await leaderOf(leader);
    const follower = elect(['--session-timeout', '6000', '-o', 'json', path, 'service2'], { server });
    await follower.waitForLine(/following service1/, 10_000, 'stderr');
    const sid = elected.session.replace(/^0x/, '');
    let connectedTo;
    for (const node of ensemble.nodes) {
      const cons = await fourLetterWord('127.0.0.1', node.clientPort, 'cons');
      if (cons.includes(`sid=0x${sid}`)) connectedTo = node;
    }
    expect(connectedTo).toBeDefined();
    stopNode(connectedTo!, 'SIGKILL');
    await leader.waitForLine(new RegExp(`reconnected to .* same session 0x${sid}`), 15_000, 'stderr');
    await sleep(1000);
    expect(leader.stdout).toHaveLength(1);
    expect(follower.stdout).toHaveLength(0);
    expect(leader.stderr.join('\n')).not.toMatch(/session lost|session expired|disconnected from ZooKeeper for more/);
  }, 60_000);
});
