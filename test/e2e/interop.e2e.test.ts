import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { curatorPeer, kazooPeer, type LinePeer } from '../harness/peers.js';
import { closeClients, newClient, uniquePath, waitFor, zkConnect } from '../harness/zk.js';
import { NoNodeError } from '../../src/zk/index.js';

/**
 * zk-coord alongside the real libraries on one path (issue 16; the rw part of issue 19): Apache Curator 5.4
 * (one JVM for the whole file, its clients as threads) and kazoo 2.8 (one Python process).
 */
let dir: string;
let curator: LinePeer;
let kazoo: LinePeer;
const running: CliRun[] = [];
/** Curator LeaderSelectors a test started (CuratorPeer `selector`): closed after it, whatever happened. */
const selectors: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zk-coord-interop-'));
  curator = curatorPeer(zkConnect());
  kazoo = kazooPeer(zkConnect());
  await Promise.all([curator.ready(), kazoo.ready()]);
}, 90_000);
afterAll(async () => {
  await Promise.all([curator?.quit(), kazoo?.quit()]);
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  const closing = selectors.splice(0);
  for (const name of closing) curator.send(`close ${name}`);
  await Promise.all(closing.map((name) => curator.waitFor(new RegExp(`^closed ${name}$`))));
  await stopAll(running);
  await closeClients();
});

/** Checks `start X` / `end X` lines: never two holders at once; returns the holders in order. */
function rounds(file: string): string[] {
  const holders: string[] = [];
  let holder: string | undefined;
  for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
    const [what, who] = line.split(' ');
    if (what === 'start') {
      if (holder !== undefined) throw new Error(`${who} started while ${holder} held (${file})`);
      holder = who;
      holders.push(who!);
    } else {
      if (holder !== who) throw new Error(`${who} ended while ${holder ?? 'nobody'} held`);
      holder = undefined;
    }
  }
  return holders;
}

/** A shell loop running `zk-coord <args> -- <append start/end>` `times` times; resolves with its exit code. */
function cliLoop(times: number, args: string[], file: string, holdS: number): Promise<number> {
  const quoted = args.map((a) => `'${a}'`).join(' ');
  const body = `echo "start $ZK_COORD_NAME" >> ${file}; sleep ${holdS}; echo "end $ZK_COORD_NAME" >> ${file}`;
  const script = `for i in $(seq ${times}); do node ${BIN} ${quoted} -- sh -c '${body}' || exit $?; done`;
  const child = spawn('sh', ['-c', script], { env: { ...process.env, ZK_COORD_SERVER: zkConnect(), NO_COLOR: '1' }, stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function childrenOf(path: string): Promise<string[]> {
  const client = await newClient();
  return (await client.getChildren(path)).children;
}

/**
 * Children of a node Curator created as a container (creatingParentContainersIfNeeded): once empty, the
 * server's container reaper (znode.container.checkIntervalMs, every 60 s) may delete it at any moment, so
 * an absent node is read as "no children".
 */
async function childrenOfContainer(path: string): Promise<string[]> {
  try {
    return await childrenOf(path);
  } catch (error) {
    if (error instanceof NoNodeError) return [];
    throw error;
  }
}

/**
 * 3 zk-coord lock loops with `--compat` beside 3 of the library's own lock clients (`verb`: the peer's command)
 * on one path, each appending start/end to one file under the lock: 51 rounds, never overlapping (checked by
 * `rounds`), and both kinds really took turns.
 */
async function mixedMutex(peer: LinePeer, verb: string, compat: string, names: string[], label: string): Promise<void> {
  const path = uniquePath(`interop-${label}`);
  const file = join(dir, `${label}.log`);
  for (const name of names) peer.send(`${verb} ${path} ${name} 8 ${file} 20 150`);
  const codes = await Promise.all(['zk1', 'zk2', 'zk3'].map((name) => cliLoop(9, ['lock', path, '--compat', compat, '--name', name], file, 0.02)));
  await Promise.all(names.map((name) => peer.waitFor(new RegExp(`^done ${name}$`), 60_000)));
  expect(codes).toEqual([0, 0, 0]);
  const holders = rounds(file);
  expect(holders).toHaveLength(51);
  // Both kinds really contended: a zk-coord round between library rounds and the other way round.
  const switches = holders.filter((h, i) => i > 0 && h.slice(0, 2) !== holders[i - 1]!.slice(0, 2)).length;
  expect(switches).toBeGreaterThanOrEqual(4);
}

describe('mutual exclusion across libraries', () => {
  it('3 zk-coord --compat curator and 3 Curator InterProcessMutex clients on one path never overlap', async () => {
    await mixedMutex(curator, 'mutex', 'curator', ['cur1', 'cur2', 'cur3'], 'curator-mutex');
  }, 90_000);

  it('3 zk-coord --compat kazoo and 3 kazoo Lock clients on one path never overlap', async () => {
    await mixedMutex(kazoo, 'lock', 'kazoo', ['kz1', 'kz2', 'kz3'], 'kazoo-lock');
  }, 90_000);
});

describe('leader election across libraries', () => {
  /**
   * 21 candidates join one at a time, alternating zk-coord and the library (each joins once the previous
   * one's node exists); the first, a zk-coord, leads until all have joined. The library's order is the join
   * order: leaders must follow it exactly, one at a time.
   */
  async function rotate(path: string, compat: string, peer: LinePeer, join: (name: string, file: string) => string, file: string): Promise<void> {
    const go = `${file}.go`;
    const first = spawnCli(['elect', path, 'zk0', '--compat', compat, '--', 'sh', '-c', `echo "start zk0" >> ${file}; while [ ! -e ${go} ]; do sleep 0.05; done; echo "end zk0" >> ${file}`]);
    running.push(first);
    await waitFor(async () => (await childrenOf(path).catch(() => [])).length === 1, 15_000, 'the first candidate');
    const order = ['zk0'];
    for (let i = 1; i <= 20; i += 1) {
      const name = i % 2 === 1 ? `lib${i}` : `zk${i}`;
      if (name.startsWith('lib')) {
        peer.send(join(name, file));
        await peer.waitFor(new RegExp(`^joined ${name} `));
      } else {
        const run = spawnCli(['elect', path, name, '--compat', compat, '--', 'sh', '-c', `echo "start ${name}" >> ${file}; sleep 0.05; echo "end ${name}" >> ${file}`]);
        running.push(run);
      }
      await waitFor(async () => (await childrenOf(path)).length === i + 1, 15_000, `candidate ${name} to join`);
      order.push(name);
    }
    writeFileSync(go, '');
    await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('end')).length === 21, 45_000, '21 leaderships');
    expect(rounds(file)).toEqual(order);
  }

  it('zk-coord --compat curator-latch with Curator LeaderLatch: one leader at a time over 20 rotations, in LeaderLatch order', async () => {
    const path = uniquePath('interop-latch');
    await rotate(path, 'curator-latch', curator, (name, file) => `latch ${path} ${name} ${file} 50`, join(dir, 'latch.log'));
  }, 90_000);

  it('zk-coord --compat kazoo with kazoo Election: one leader at a time over 20 rotations, in kazoo order', async () => {
    const path = uniquePath('interop-election');
    await rotate(path, 'kazoo', kazoo, (name, file) => `elect ${path} ${name} ${file} 50`, join(dir, 'kazoo-election.log'));
  }, 90_000);
});

const CURATOR_NODE = /^_c_[0-9a-f-]{36}-lock-\d{10}$/;
const KAZOO_NODE = /^[0-9a-f]{32}__lock__\d{10}$/;

describe('lock status, detection and refusal', () => {
  it('lock status: a Curator holder with a zk-coord waiter that detected the convention; a zk-coord holder with a kazoo waiter', async () => {
    const a = uniquePath('interop-status-curator');
    curator.send(`hold ${a} cur-holder`);
    await curator.waitFor(/^acquired cur-holder$/);
    // No --compat: the Curator node decides.
    const waiter = spawnCli(['lock', a, '--name', 'zk-waiter']);
    running.push(waiter);
    await waitFor(async () => (await childrenOf(a)).length === 2, 15_000, 'the zk-coord waiter');
    const status = await runCli(['lock', 'status', a, '-o', 'json']);
    expect(status.code).toBe(0);
    const view = JSON.parse(status.stdout) as { convention: string; layout: string; conflict: unknown; contenders: Array<{ node: string; library: string; holds: boolean; data: string; session: string }> };
    // The --compat value that joins it, and which of Curator's locks it is.
    expect([view.convention, view.layout]).toEqual(['curator', 'curator-mutex']);
    expect(view.conflict).toBeNull();
    expect(view.contenders.map((c) => [c.library, c.holds])).toEqual([
      ['curator', true],
      ['curator', false],
    ]);
    expect(view.contenders.map((c) => c.node).every((n) => CURATOR_NODE.test(n))).toBe(true);
    expect(view.contenders[1]!.data).toBe('zk-waiter');
    expect(view.contenders[0]!.session).toMatch(/^0x[0-9a-f]+$/);
    curator.send('release cur-holder');
    await waiter.waitForLine(/^acquired \d+$/);

    const b = uniquePath('interop-status-kazoo');
    const holder = spawnCli(['lock', b, '--compat', 'kazoo', '--name', 'zk-holder']);
    running.push(holder);
    await holder.waitForLine(/^acquired \d+$/);
    kazoo.send(`hold ${b} kz-waiter lock`);
    await kazoo.waitFor(/^entered kz-waiter /);
    const text = await runCli(['lock', 'status', b]);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe(`${b}  (kazoo Lock / Election / ReadLock / WriteLock order)`);
    expect(lines[1]).toMatch(/^holder\s+[0-9a-f]{32}__lock__\d{10}  kazoo  session 0x[0-9a-f]+  zk-holder$/);
    expect(lines[2]).toMatch(/^waiting 1\s+[0-9a-f]{32}__lock__\d{10}  kazoo  session 0x[0-9a-f]+  kz-waiter$/);
    expect(kazoo.lines).not.toContain('acquired kz-waiter');
    holder.signal('SIGTERM');
    await kazoo.waitFor(/^acquired kz-waiter$/);
    kazoo.send('release kz-waiter');
  }, 60_000);

  it('elect --observe and elect status follow a LeaderLatch election (no --compat: detected)', async () => {
    const path = uniquePath('interop-observe');
    const file = join(dir, 'observe.log');
    // Long enough for `elect status` to be spawned and answer while lead1 still leads, on a loaded machine.
    curator.send(`latch ${path} lead1 ${file} 5000`);
    await curator.waitFor(/^joined lead1 /);
    const zk = spawnCli(['elect', path, 'zk-next', '--', 'true']);
    running.push(zk);
    await waitFor(async () => (await childrenOf(path)).length === 2, 15_000, 'the zk-coord candidate');
    // Detected: the zk-coord candidate follows LeaderLatch's names.
    expect((await childrenOf(path)).every((n) => /^_c_[0-9a-f-]{36}-latch-\d{10}$/.test(n))).toBe(true);
    const status = JSON.parse((await runCli(['elect', 'status', path, '-o', 'json'])).stdout) as { convention: string; contenders: Array<{ data: string; holds: boolean }> };
    expect(status.convention).toBe('curator-latch');
    expect(status.contenders.map((c) => [c.data, c.holds])).toEqual([
      ['lead1', true],
      ['zk-next', false],
    ]);
    const observer = spawnCli(['elect', path, '--observe', '-o', 'json']);
    running.push(observer);
    expect(JSON.parse(await observer.waitForLine(/"event":"leader"/))).toMatchObject({ name: 'lead1' });
    await observer.waitForLine(/"name":"zk-next"/);
    expect(await zk.exited).toBe(0);
  }, 60_000);

  it('a holder without --compat warns when a library contender joins while it holds (that library may hold beside it)', async () => {
    const path = uniquePath('interop-late');
    const holder = spawnCli(['lock', path, '--', 'sleep', '30']);
    running.push(holder);
    await holder.waitForLine(/^acquired lock/, 15_000, 'stderr');
    // kazoo's Lock sorts our name after its own: it believes it holds at once, beside us.
    kazoo.send(`hold ${path} kz-late lock`);
    await kazoo.waitFor(/^acquired kz-late$/);
    await holder.waitForLine(/warning: a kazoo .*contender \(\S+__lock__\d{10}\) joined .* --compat kazoo$/, 10_000, 'stderr');
    curator.send(`hold ${path} cur-late`);
    await curator.waitFor(/^acquired cur-late$/);
    await holder.waitForLine(/warning: a Curator InterProcessMutex .* --compat curator$/, 10_000, 'stderr');
    kazoo.send('release kz-late');
    curator.send('release cur-late');
    await Promise.all([kazoo.waitFor(/^released kz-late$/), curator.waitFor(/^released cur-late$/)]);
    expect(holder.stderr.filter((l) => l.startsWith('warning: a '))).toHaveLength(2);

    const election = uniquePath('interop-late-election');
    const leader = spawnCli(['elect', election, 'zk-leader']);
    running.push(leader);
    await leader.waitForLine(/leader/);
    const file = join(dir, `late-latch-${Date.now()}`);
    curator.send(`latch ${election} cl-late ${file} 200`);
    await curator.waitFor(/^led cl-late$/);
    await leader.waitForLine(/warning: a Curator LeaderLatch .*while we hold leadership .* --compat curator-latch$/, 10_000, 'stderr');
  }, 60_000);

  it('refuses (exit 6, nothing created) where Curator and kazoo holders share a path, or --compat disagrees with the contenders', async () => {
    const path = uniquePath('interop-conflict');
    curator.send(`hold ${path} cur-both`);
    kazoo.send(`hold ${path} kz-both lock`);
    // Neither library sees the other's node: both hold at once. This is what zk-coord refuses to join.
    await Promise.all([curator.waitFor(/^acquired cur-both$/), kazoo.waitFor(/^acquired kz-both$/)]);
    const shown = await runCli(['lock', 'status', path, '-o', 'json']);
    expect(shown.stderr).toContain('warning: ');
    expect(shown.stderr).toContain('contenders disagree: Curator InterProcessMutex / LeaderSelector (curator-mutex) and kazoo');
    expect((JSON.parse(shown.stdout) as { conflict: string }).conflict).toContain('contenders disagree');
    const detect = await runCli(['lock', path, '--', 'true']);
    expect(detect.code).toBe(6);
    expect(detect.stderr).toContain('contenders disagree');
    const asked = await runCli(['lock', path, '--compat', 'zk-coord', '--', 'true']);
    expect(asked.code).toBe(6);
    expect((await childrenOf(path)).length).toBe(2);
    curator.send('release cur-both');
    await curator.waitFor(/^released cur-both$/);
    const wrong = await runCli(['lock', path, '--compat', 'curator', '--', 'true']);
    expect(wrong.code).toBe(6);
    expect(wrong.stderr).toContain('--compat curator asked for, but the contenders there follow kazoo');
    kazoo.send('release kz-both');
    await kazoo.waitFor(/^released kz-both$/);
    // Empty again: any convention may start it.
    expect((await runCli(['lock', path, '--compat', 'curator', '--', 'true'])).code).toBe(0);
  }, 60_000);
});

/**
 * A Curator LeaderSelector (its id: `name`, unique in the file: the peer's lines are never cleared), appending
 * start/end to `file` while it leads.
 */
function startSelector(path: string, name: string, file?: string): void {
  selectors.push(name);
  curator.send(`selector ${path} ${name}${file ? ` ${file}` : ''}`);
}

/** A command that runs until SIGTERM, appending start/end to `file` (the end from its trap: before zk-coord resigns). */
function leadUntilTerm(name: string, file: string): string[] {
  return ['sh', '-c', `echo "start ${name}" >> ${file}; trap 'echo "end ${name}" >> ${file}; exit 0' TERM; while :; do sleep 0.1; done`];
}

/**
 * The candidates of a LeaderSelector election (all InterProcessMutex nodes, checked) in Curator's order — by
 * the sequence after `lock-` — as the data each stored (the selector's id, the zk-coord candidate's name).
 */
async function selectorQueue(path: string): Promise<string[]> {
  const children = await childrenOfContainer(path);
  expect(children.filter((n) => !CURATOR_NODE.test(n))).toEqual([]);
  const client = await newClient();
  const sorted = [...children].sort((a, b) => (a.slice(-10) < b.slice(-10) ? -1 : 1));
  return Promise.all(sorted.map(async (n) => (await client.getData(`${path}/${n}`)).data.toString('utf8')));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('LeaderSelector across libraries (elect --compat curator-selector)', () => {
  it('a Curator LeaderSelector leads first: zk-coord --compat curator-selector follows it and leads once it resigns; the selector queued behind leads once zk-coord is stopped', async () => {
    const path = uniquePath('interop-selector-first');
    const file = join(dir, 'selector-first.log');
    startSelector(path, 'sel-a1', file);
    await curator.waitFor(/^leader sel-a1$/);
    const zk = spawnCli(['elect', path, 'zk1', '--compat', 'curator-selector', '--', ...leadUntilTerm('zk1', file)]);
    running.push(zk);
    await zk.waitForLine(/^following sel-a1 \(_c_[0-9a-f-]{36}-lock-\d{10}\), the leader$/, 15_000, 'stderr');
    startSelector(path, 'sel-a2', file);
    await waitFor(async () => (await childrenOfContainer(path)).length === 3, 15_000, 'sel-a2 to join');
    expect(await selectorQueue(path)).toEqual(['sel-a1', 'zk1', 'sel-a2']);
    // Long enough for a wrong leader to show itself: sel-a1 holds, nobody else leads.
    await sleep(1500);
    expect(zk.stderr.filter((l) => l.startsWith('leader '))).toEqual([]);
    expect(curator.lines).not.toContain('leader sel-a2');

    curator.send('resign sel-a1');
    await curator.waitFor(/^resigned sel-a1$/);
    await zk.waitForLine(/^leader zk1  \S+\/_c_[0-9a-f-]{36}-lock-\d{10}  token \d+$/, 15_000, 'stderr');
    expect(await selectorQueue(path)).toEqual(['zk1', 'sel-a2']);
    // sel-a2 is behind zk-coord in Curator's order too: it waits.
    await sleep(1500);
    expect(curator.lines).not.toContain('leader sel-a2');

    zk.signal('SIGTERM');
    expect(await zk.exited).toBe(0);
    await curator.waitFor(/^leader sel-a2$/);
    curator.send('resign sel-a2');
    await curator.waitFor(/^resigned sel-a2$/);
    // One leader at a time, in the queue's order (the file is appended only while leading).
    expect(rounds(file)).toEqual(['sel-a1', 'zk1', 'sel-a2']);
    expect(zk.stderr.filter((l) => l.startsWith('warning'))).toEqual([]);
  }, 90_000);

  it('zk-coord --compat curator-selector leads first: a Curator LeaderSelector queues behind it and takes leadership only once zk-coord is stopped (SIGTERM)', async () => {
    const path = uniquePath('interop-selector-second');
    const file = join(dir, 'selector-second.log');
    const zk = spawnCli(['elect', path, 'zk1', '--compat', 'curator-selector', '--', ...leadUntilTerm('zk1', file)]);
    running.push(zk);
    await zk.waitForLine(/^leader zk1 /, 15_000, 'stderr');
    await waitFor(() => existsSync(file), 15_000, 'the command to start');
    startSelector(path, 'sel-b1', file);
    await curator.waitFor(/^started sel-b1$/);
    await waitFor(async () => (await childrenOfContainer(path)).length === 2, 15_000, 'the selector to join');
    expect(await selectorQueue(path)).toEqual(['zk1', 'sel-b1']);
    await sleep(2000);
    expect(curator.lines).not.toContain('leader sel-b1');
    // Same convention: not a foreign contender.
    expect(zk.stderr.filter((l) => l.startsWith('warning'))).toEqual([]);

    zk.signal('SIGTERM');
    await curator.waitFor(/^leader sel-b1$/);
    expect(await zk.exited).toBe(0);
    expect(zk.stderr).toContain(`resigned leadership of ${path}`);
    expect(await selectorQueue(path)).toEqual(['sel-b1']);
    // Closing the selector interrupts its takeLeadership and releases the mutex.
    curator.send('close sel-b1');
    await curator.waitFor(/^interrupted sel-b1$/);
    await waitFor(async () => (await childrenOfContainer(path)).length === 0, 15_000, 'the closed selector\'s node to go');
    expect(rounds(file)).toEqual(['zk1', 'sel-b1']);
  }, 60_000);

  it('elect status and elect --observe follow a LeaderSelector election; without --compat zk-coord detects it and joins as an InterProcessMutex candidate', async () => {
    const path = uniquePath('interop-selector-status');
    startSelector(path, 'sel-lead');
    await curator.waitFor(/^leader sel-lead$/);
    // No --compat: the selector's node decides.
    const zk = spawnCli(['elect', path, 'zk-next', '--', 'true']);
    running.push(zk);
    await zk.waitForLine(/^following sel-lead \(_c_[0-9a-f-]{36}-lock-\d{10}\), the leader$/, 15_000, 'stderr');
    expect(await selectorQueue(path)).toEqual(['sel-lead', 'zk-next']);

    const status = await runCli(['elect', 'status', path, '-o', 'json']);
    expect(status.code).toBe(0);
    expect(status.stderr).not.toContain('warning');
    const view = JSON.parse(status.stdout) as { convention: string; layout: string; conflict: unknown; contenders: Array<{ node: string; library: string; holds: boolean; data: string; session: string }> };
    // The --compat value that joins it, and the layout it is.
    expect([view.convention, view.layout]).toEqual(['curator-selector', 'curator-mutex']);
    expect(view.conflict).toBeNull();
    expect(view.contenders.map((c) => [c.data, c.holds, c.library])).toEqual([
      ['sel-lead', true, 'curator-selector'],
      ['zk-next', false, 'curator-selector'],
    ]);
    expect(view.contenders.every((c) => CURATOR_NODE.test(c.node))).toBe(true);
    expect(view.contenders[0]!.session).not.toBe(view.contenders[1]!.session);
    const text = (await runCli(['elect', 'status', path, '--compat', 'curator-selector'])).stdout.split('\n');
    expect(text[0]).toBe(`${path}  (Curator InterProcessMutex / LeaderSelector order)`);
    expect(text[1]).toMatch(/^leader\s+_c_[0-9a-f-]{36}-lock-\d{10}  curator-selector  session 0x[0-9a-f]+  sel-lead$/);
    expect(text[2]).toMatch(/^waiting 1\s+_c_[0-9a-f-]{36}-lock-\d{10}  curator-selector  session 0x[0-9a-f]+  zk-next$/);

    const once = await runCli(['elect', path, '--observe', '--once']);
    expect(once.code).toBe(0);
    expect(once.stdout).toMatch(new RegExp(`^leader sel-lead  ${path}/_c_[0-9a-f-]{36}-lock-\\d{10}  token \\d+$`));
    const observer = spawnCli(['elect', path, '--observe', '-o', 'json']);
    running.push(observer);
    expect(JSON.parse(await observer.waitForLine(/"event":"leader"/))).toMatchObject({ name: 'sel-lead', contenders: 2 });

    // Another convention is refused while the selector's candidates are there, and creates nothing.
    const wrong = await runCli(['elect', path, 'wrong', '--compat', 'curator-latch', '--', 'true']);
    expect(wrong.code).toBe(6);
    expect(wrong.stderr).toContain('--compat curator-latch asked for, but the contenders there follow Curator InterProcessMutex / LeaderSelector (curator-mutex)');
    expect(await childrenOfContainer(path)).toHaveLength(2);

    curator.send('resign sel-lead');
    await curator.waitFor(/^resigned sel-lead$/);
    expect(JSON.parse(await observer.waitForLine(/"name":"zk-next"/))).toMatchObject({ event: 'leader', name: 'zk-next', contenders: 1 });
    expect(await zk.exited).toBe(0);
    expect(zk.stderr.some((l) => /^leader zk-next  \S+-lock-\d{10}  token \d+$/.test(l))).toBe(true);
    // Nobody left (the container may be reaped): the observer says so and keeps following.
    await observer.waitForLine(/"name":null/);
    expect(observer.running).toBe(true);
  }, 60_000);

  it('a zk-coord leader without --compat warns when a LeaderSelector joins: Curator sorts candidate-… last, so the selector leads beside it', async () => {
    const path = uniquePath('interop-selector-late');
    const leader = spawnCli(['elect', path, 'zk-leader']);
    running.push(leader);
    await leader.waitForLine(/^leader zk-leader /);
    startSelector(path, 'sel-late');
    // Two leaders at once: what --compat curator-selector on every zk-coord candidate prevents.
    await curator.waitFor(/^leader sel-late$/);
    await leader.waitForLine(/^warning: a Curator InterProcessMutex \/ LeaderSelector contender \(_c_[0-9a-f-]{36}-lock-\d{10}\) joined .* while we hold leadership as zk-coord: .* --compat curator-selector$/, 10_000, 'stderr');
    const status = await runCli(['elect', 'status', path, '-o', 'json']);
    expect(status.stderr).toContain('contenders disagree');
    expect((JSON.parse(status.stdout) as { conflict: string }).conflict).toContain('contenders disagree');
    // A newcomer without --compat refuses to join either order.
    const late = await runCli(['elect', path, 'zk-late', '--', 'true']);
    expect(late.code).toBe(6);
    curator.send('resign sel-late');
    await curator.waitFor(/^resigned sel-late$/);
  }, 60_000);
});

describe('read/write locks across libraries', () => {
  it('kazoo WriteLock excludes zk-coord --read --compat kazoo, and a zk-coord reader excludes a kazoo WriteLock', async () => {
    const path = uniquePath('interop-rw-kazoo');
    kazoo.send(`hold ${path} kw1 write`);
    await kazoo.waitFor(/^acquired kw1$/);
    const blocked = await runCli(['lock', path, '--read', '--compat', 'kazoo', '--timeout', '1s', '--', 'true']);
    expect(blocked.code).toBe(6);
    kazoo.send('release kw1');
    await kazoo.waitFor(/^released kw1$/);
    const reader = spawnCli(['lock', path, '--read', '--compat', 'kazoo', '--name', 'zk-reader']);
    running.push(reader);
    await reader.waitForLine(/^acquired \d+$/);
    expect((await childrenOf(path)).some((n) => /^[0-9a-f]{32}__rlock__\d{10}$/.test(n))).toBe(true);
    kazoo.send(`hold ${path} kr1 read`);
    await kazoo.waitFor(/^acquired kr1$/); // readers share across libraries
    kazoo.send(`hold ${path} kw2 write`);
    await kazoo.waitFor(/^entered kw2 /);
    kazoo.send('release kr1');
    await kazoo.waitFor(/^released kr1$/);
    await new Promise((r) => setTimeout(r, 1000));
    expect(kazoo.lines).not.toContain('acquired kw2');
    reader.signal('SIGTERM');
    await kazoo.waitFor(/^acquired kw2$/);
    kazoo.send('release kw2');
  }, 60_000);

  it('Curator InterProcessReadWriteLock: its writer excludes zk-coord --read --compat curator; a zk-coord writer excludes its reader; readers share', async () => {
    const path = uniquePath('interop-rw-curator');
    curator.send(`rw ${path} cw1 write`);
    await curator.waitFor(/^acquired cw1$/);
    expect((await runCli(['lock', path, '--read', '--compat', 'curator', '--timeout', '1s', '--', 'true'])).code).toBe(6);
    curator.send('release cw1');
    await curator.waitFor(/^released cw1$/);
    curator.send(`rw ${path} cr1 read`);
    await curator.waitFor(/^acquired cr1$/);
    // Detected from the Curator reader: joins as __READ__ and shares at once.
    const shared = await runCli(['lock', path, '--read', '--timeout', '5s', '--', 'true']);
    expect(shared.code).toBe(0);
    curator.send('release cr1');
    await curator.waitFor(/^released cr1$/);
    const writer = spawnCli(['lock', path, '--write', '--compat', 'curator', '--name', 'zk-writer']);
    running.push(writer);
    await writer.waitForLine(/^acquired \d+$/);
    expect((await childrenOf(path)).some((n) => /^_c_[0-9a-f-]{36}-__WRIT__\d{10}$/.test(n))).toBe(true);
    curator.send(`rw ${path} cr2 read`);
    await new Promise((r) => setTimeout(r, 1000));
    expect(curator.lines).not.toContain('acquired cr2');
    writer.signal('SIGTERM');
    await curator.waitFor(/^acquired cr2$/);
    curator.send('release cr2');
  }, 60_000);
});

/**
 * Checks `start X` / `end X` lines of up to `slots` holders at once (throws on more); returns the rounds, the
 * most holders at once, and whether a zk-coord (`zk…`) and a library client held together.
 */
function slotRounds(file: string, slots: number): { rounds: number; most: number; mixed: boolean } {
  const holding = new Set<string>();
  let rounds = 0;
  let most = 0;
  let mixed = false;
  for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
    const [what, who] = line.split(' ') as [string, string];
    if (what === 'start') {
      if (holding.has(who)) throw new Error(`${who} started twice`);
      holding.add(who);
      rounds += 1;
      if (holding.size > slots) throw new Error(`${[...holding].join(', ')} held at once (${slots} slots, ${file})`);
      most = Math.max(most, holding.size);
      if (new Set([...holding].map((h) => h.startsWith('zk'))).size > 1) mixed = true;
    } else if (!holding.delete(who)) {
      throw new Error(`${who} ended without holding`);
    }
  }
  return { rounds, most, mixed };
}

describe('semaphores across libraries (lock --limit)', () => {
  it('3 zk-coord lock --limit 2 --compat curator and 3 Curator InterProcessSemaphoreV2(2) clients: never more than 2 at once', async () => {
    const path = uniquePath('interop-semaphore');
    const file = join(dir, 'curator-semaphore.log');
    for (const name of ['cu1', 'cu2', 'cu3']) curator.send(`semaphore ${path} ${name} 2 6 ${file} 150 50`);
    const codes = await Promise.all(['zk1', 'zk2', 'zk3'].map((name) => cliLoop(5, ['lock', path, '--limit', '2', '--compat', 'curator', '--name', name], file, 0.15)));
    await Promise.all(['cu1', 'cu2', 'cu3'].map((name) => curator.waitFor(new RegExp(`^done ${name}$`), 60_000)));
    expect(codes).toEqual([0, 0, 0]);
    const seen = slotRounds(file, 2);
    expect(seen.rounds).toBe(33);
    expect(seen.most).toBe(2);
    expect(seen.mixed).toBe(true);
    // Curator's layout, and nothing of ours left: at most its two containers, a mutex under locks/ and leases
    // under leases/ (either may already be reaped, being empty), and no lease left.
    const children = await childrenOfContainer(path);
    expect(children.filter((c) => c !== 'leases' && c !== 'locks')).toEqual([]);
    expect(await childrenOfContainer(`${path}/leases`)).toEqual([]);
  }, 90_000);

  it('3 zk-coord lock --limit 2 --compat kazoo and 3 kazoo Semaphore(2) clients: never more than 2 at once; another max_leases is refused', async () => {
    const path = uniquePath('interop-kazoo-semaphore');
    const file = join(dir, 'kazoo-semaphore.log');
    for (const name of ['kz1', 'kz2', 'kz3']) kazoo.send(`semaphore ${path} ${name} 2 6 ${file} 150 50`);
    const codes = await Promise.all(['zk1', 'zk2', 'zk3'].map((name) => cliLoop(5, ['lock', path, '--limit', '2', '--compat', 'kazoo', '--name', name], file, 0.15)));
    await Promise.all(['kz1', 'kz2', 'kz3'].map((name) => kazoo.waitFor(new RegExp(`^done ${name}$`), 60_000)));
    expect(codes).toEqual([0, 0, 0]);
    const seen = slotRounds(file, 2);
    expect(seen.rounds).toBe(33);
    expect(seen.most).toBe(2);
    expect(seen.mixed).toBe(true);
    const client = await newClient();
    expect((await client.getData(path)).data.toString('utf8')).toBe('2');
    const other = await runCli(['lock', path, '--limit', '3', '--', 'true']);
    expect(other.code).toBe(6);
    expect(other.stderr).toContain('allows 2 leases');
  }, 90_000);

  it('lock status lists the leases and the mutex queue of an InterProcessSemaphoreV2; detection joins it without --compat', async () => {
    const path = uniquePath('interop-semaphore-status');
    curator.send(`lease ${path} cu-a 2`);
    await curator.waitFor(/^acquired cu-a$/);
    // Detected from the Curator layout: a lease, not zk-coord's sorted slot.
    const zkA = spawnCli(['lock', path, '--limit', '2', '--name', 'zk-a']);
    running.push(zkA);
    await zkA.waitForLine(/^acquired \d+$/);
    expect((await runCli(['lock', path, '--limit', '2', '--compat', 'zk-coord', '--', 'true'])).code).toBe(6);
    // Both leases taken: a third waits (with the mutex held) and gives up, leaving neither lease nor mutex node.
    const full = await runCli(['lock', path, '--limit', '2', '--timeout', '1s', '--', 'true']);
    expect(full.code).toBe(6);
    expect(full.stderr).toContain('2 of 2 leases taken');
    expect(await childrenOf(`${path}/leases`)).toHaveLength(2);
    // The mutex container is empty again, or already reaped by the server.
    expect(await childrenOfContainer(`${path}/locks`)).toEqual([]);
    curator.send(`lease ${path} cu-b 2`);
    await waitFor(async () => (await childrenOf(`${path}/leases`)).length === 3, 15_000, 'the Curator waiter\'s lease');
    const zkB = spawnCli(['lock', path, '--limit', '2', '--name', 'zk-b']);
    running.push(zkB);
    await waitFor(async () => (await childrenOfContainer(`${path}/locks`)).length === 2, 15_000, 'zk-b in the mutex queue');
    type Pool = { convention: string; layout: string; leases: Array<{ node: string; state: string; data: string }>; queue: Array<{ node: string; holdsMutex: boolean; data: string }> };
    const pool = JSON.parse((await runCli(['lock', 'status', path, '-o', 'json'])).stdout) as Pool;
    expect([pool.convention, pool.layout]).toEqual(['curator', 'curator-semaphore']);
    expect(pool.leases.map((l) => [l.data, l.state])).toEqual([
      ['cu-a', 'holds'],
      ['zk-a', 'holds'],
      ['cu-b', 'acquiring'],
    ]);
    expect(pool.leases.every((l) => /^_c_[0-9a-f-]{36}-lease-\d{10}$/.test(l.node))).toBe(true);
    expect(pool.queue.map((c) => c.holdsMutex)).toEqual([true, false]);
    expect(pool.queue[1]!.data).toBe('zk-b');
    expect(pool.queue.every((c) => CURATOR_NODE.test(c.node))).toBe(true);
    const text = (await runCli(['lock', 'status', path])).stdout.split('\n');
    expect(text[0]).toBe(`${path}  (Curator InterProcessSemaphoreV2: leases under ${path}/leases, mutex ${path}/locks)`);
    expect(text[3]).toMatch(/^acquiring\s+_c_\S+-lease-\d{10}  session 0x[0-9a-f]+  cu-b$/);
    expect(text[5]).toMatch(/^waiting 2\s+_c_\S+-lock-\d{10}  session 0x[0-9a-f]+  zk-b$/);
    expect(curator.lines).not.toContain('acquired cu-b');
    curator.send('release cu-a');
    await curator.waitFor(/^acquired cu-b$/);
    zkA.signal('SIGTERM');
    await zkB.waitForLine(/^acquired \d+$/);
    curator.send('release cu-b');
    await curator.waitFor(/^released cu-b$/);
  }, 60_000);
});

/**
 * One round of a double barrier of 3: two zk-coord members (with a command that logs when it passes) and a kazoo
 * DoubleBarrier member holding 300 ms between enter() and leave(). The third to arrive is kazoo (`kazooLast`:
 * kazoo creates `ready`, with no data) or zk-coord (zk-coord creates it, kazoo waits for its creation).
 */
async function mixedBarrier(kazooLast: boolean): Promise<void> {
  const path = uniquePath('interop-barrier');
  const kb = kazooLast ? 'kbLast' : 'kbFirst';
  const file = join(dir, `${path.slice(1)}.log`);
  const member = (name: string): string[] => ['barrier', path, '--count', '3', '--name', name, '--timeout', '30s', '--', 'sh', '-c', `echo "in ${name} $(date +%s%3N)" >> ${file}`];
  const c = await newClient();
  const members = async (): Promise<number> => (await c.getChildren(path).catch(() => ({ children: [] as string[] }))).children.filter((n) => n !== 'ready').length;
  const firstTwo = kazooLast ? [spawnCli(member('zb1')), spawnCli(member('zb2'))] : [spawnCli(member('zb1'))];
  if (!kazooLast) kazoo.send(`barrier ${path} ${kb} 3 300`);
  await waitFor(async () => (await members()) === 2, 15_000, 'two members');
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(kazoo.lines.some((l) => l.startsWith(`entered ${kb} `))).toBe(false);
  expect(existsSync(file)).toBe(false);
  const thirdAt = Date.now();
  let lastZkCoordEnd = 0;
  const ended = (code: Promise<number>): Promise<number> => code.then((c) => ((lastZkCoordEnd = Math.max(lastZkCoordEnd, Date.now())), c));
  const runs = firstTwo.map((r) => ended(r.exited));
  if (kazooLast) kazoo.send(`barrier ${path} ${kb} 3 300`);
  else runs.push(ended(runCli(member('zb2')).then((r) => r.code)));
  expect(await Promise.all(runs)).toEqual([0, 0]);
  const entered = Number((await kazoo.waitFor(new RegExp(`^entered ${kb} (\\d+)$`)))[1]);
  const left = Number((await kazoo.waitFor(new RegExp(`^left ${kb} (\\d+)$`)))[1]);
  const passed = readFileSync(file, 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[2]));
  expect(passed).toHaveLength(2);
  // All three passed after the third arrived (10 ms: one machine's clock, read by two processes)…
  for (const at of [...passed, entered]) expect(at).toBeGreaterThanOrEqual(thirdAt - 10);
  // …and zk-coord left only once kazoo had left too (its member goes in leave(), after its 300 ms hold).
  expect(lastZkCoordEnd).toBeGreaterThanOrEqual(entered + 300);
  expect(left).toBeGreaterThanOrEqual(entered + 300);
}

describe('a double barrier across libraries (one round: README says why not more)', () => {
  it('2 zk-coord members, then kazoo DoubleBarrier third (kazoo creates ready): nobody passes early, all pass, zk-coord waits for kazoo to leave', async () => {
    await mixedBarrier(true);
  }, 60_000);

  it('kazoo and a zk-coord member, then zk-coord third (zk-coord opens): the same', async () => {
    await mixedBarrier(false);
  }, 60_000);
});

describe('discovery with Curator ServiceDiscovery', () => {
  it('an instance registered by Curator (typed payload) is discovered by zk-coord with every field', async () => {
    const base = uniquePath('interop-services');
    curator.send(`register ${base} web cur-1 10.1.2.3 8080 from-curator 7`);
    await curator.waitFor(/^registered cur-1$/);
    const found = await runCli(['discover', 'web', '--base', base, '-o', 'json']);
    expect(found.code).toBe(0);
    const [instance] = JSON.parse(found.stdout) as Array<Record<string, unknown>>;
    // Every field Curator wrote, in its order (read back raw by an independent client).
    const client = await newClient();
    const raw = JSON.parse((await client.getData(`${base}/web/cur-1`)).data.toString('utf8')) as Record<string, unknown>;
    expect(instance).toEqual(raw);
    expect(Object.keys(instance!)).toEqual(Object.keys(raw));
    expect(instance).toMatchObject({
      name: 'web',
      id: 'cur-1',
      address: '10.1.2.3',
      port: 8080,
      sslPort: null,
      payload: { '@class': 'CuratorPeer$Details', description: 'from-curator', weight: 7 },
      serviceType: 'DYNAMIC',
      uriSpec: { parts: [{ value: 'scheme', variable: true }, { value: '://', variable: false }, { value: 'address', variable: true }, { value: ':', variable: false }, { value: 'port', variable: true }] },
    });
    expect(typeof instance!.registrationTimeUTC).toBe('number');
  }, 30_000);

  it("an instance registered by zk-coord is returned by Curator's queryForInstances, its payload as Curator's typed class", async () => {
    const base = uniquePath('interop-services');
    const payload = JSON.stringify({ '@class': 'CuratorPeer$Details', description: 'from zk-coord', weight: 3 });
    const reg = spawnCli(['register', 'api', '--base', base, '--id', 'zk-1', '--address', '10.9.8.7', '--port', '9090', '--payload', payload, '--uri-spec', '{scheme}://{address}:{port}']);
    running.push(reg);
    await reg.waitForLine(/zk-1/);
    curator.send(`query ${base} api`);
    const match = await curator.waitFor(/^instance (.*)$/);
    expect(JSON.parse(match[1]!)).toMatchObject({
      name: 'api',
      id: 'zk-1',
      address: '10.9.8.7',
      port: 9090,
      sslPort: null,
      serviceType: 'DYNAMIC',
      uri: 'http://10.9.8.7:9090',
      payloadClass: 'CuratorPeer$Details',
      description: 'from zk-coord',
      weight: 3,
    });
  }, 30_000);
});
