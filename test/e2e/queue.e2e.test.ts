import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { kazoo } from '../harness/kazoo.js';
import { closeClients, newClient, uniquePath, waitFor, zkConnect } from '../harness/zk.js';

const running: CliRun[] = [];
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zk-coord-queue-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await stopAll(running);
  await closeClients();
});

function lines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('queue', () => {
  it('300 items drained by 4 workers with --until-empty: every item exactly once, every worker exits 0', async () => {
    const path = uniquePath('queue');
    const log = join(dir, `drain-${Date.now()}`);
    const items = Array.from({ length: 300 }, (_, i) => `item-${i}`);
    const pushed = await runCli(['queue', 'push', path], { input: `${items.join('\n')}\n` });
    expect(pushed.stdout).toBe('pushed 300');
    const workers = Array.from({ length: 4 }, () => spawnCli(['queue', 'work', path, '--until-empty', '-q', '--exec', `echo "$ZK_COORD_ITEM" >> ${log}`]));
    running.push(...workers);
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0, 0]);
    const done = lines(log);
    expect(done).toHaveLength(300);
    expect(new Set(done)).toEqual(new Set(items));
    const client = await newClient();
    expect((await client.getChildren(`${path}/entries`)).children).toEqual([]);
    expect((await client.getChildren(`${path}/taken`)).children).toEqual([]);
  }, 120_000);

  it('a waiting worker says so once per change, not at every wake-up', async () => {
    const path = uniquePath('queue');
    await runCli(['queue', 'push', path, 'only']);
    const holder = spawnCli(['queue', 'work', path, '--', 'sleep', '30']);
    running.push(holder);
    await holder.waitForLine(/^took /, 15_000, 'stderr');
    const waiter = spawnCli(['queue', 'work', path, '--', 'true']);
    running.push(waiter);
    await waiter.waitForLine(/taken by other workers/, 15_000, 'stderr');
    // Wake-ups that change nothing it could take: a taken/ child comes and goes, ten times.
    const client = await newClient();
    for (let i = 0; i < 10; i += 1) {
      await client.create(`${path}/taken/not-an-entry`, undefined, 'ephemeral');
      await client.remove(`${path}/taken/not-an-entry`);
    }
    // Wake-ups are handled in order: once it takes an item pushed last, it has handled all the others.
    await runCli(['queue', 'push', path, 'second']);
    await waiter.waitForLine(/^took /, 15_000, 'stderr');
    const beforeTaking = waiter.stderr.slice(0, waiter.stderr.findIndex((l) => l.startsWith('took ')));
    expect(beforeTaking.filter((l) => l.includes('taken by other workers'))).toHaveLength(1);
  });

  it('a worker SIGKILLed mid-item: the item runs again elsewhere, none is lost, and no two commands ever ran one item at once', async () => {
    const path = uniquePath('queue');
    const log = join(dir, `kill-${Date.now()}`);
    const items = Array.from({ length: 8 }, (_, i) => `job-${i}`);
    await runCli(['queue', 'push', path, ...items]);
    // Nanosecond stamps around a 0.5 s job; a command the keeper kills writes no end line.
    const job = `echo "start $ZK_COORD_ITEM $(date +%s%N)" >> ${log}; sleep 0.5; echo "end $ZK_COORD_ITEM $(date +%s%N)" >> ${log}`;
    const victim = spawnCli(['queue', 'work', path, '--until-empty', '--session-timeout', '2000', '--exec', job]);
    running.push(victim);
    await victim.waitForLine(/^took /, 15_000, 'stderr');
    const victimItem = /: (job-\d+)$/.exec(victim.stderr.find((l) => l.startsWith('took ')) ?? '')?.[1];
    await waitFor(() => lines(log).some((l) => l.startsWith(`start ${victimItem} `)), 10_000, 'the victim command to start');
    victim.signal('SIGKILL');
    const killedAt = BigInt(Date.now()) * 1_000_000n;
    await victim.exited;
    const survivor = spawnCli(['queue', 'work', path, '--until-empty', '-q', '--exec', job]);
    running.push(survivor);
    expect(await survivor.exited).toBe(0);

    const events = lines(log).map((l) => {
      const [kind, item, at] = l.split(' ');
      return { kind: kind as 'start' | 'end', item: item as string, at: BigInt(at as string) };
    });
    for (const item of items) expect(events.filter((e) => e.kind === 'end' && e.item === item)).toHaveLength(1);
    const starts = events.filter((e) => e.kind === 'start' && e.item === victimItem);
    expect(starts).toHaveLength(2);
    // The victim's command died with it (no end line before the redelivery), and the second run began after.
    expect(starts[1]!.at > killedAt).toBe(true);
    expect(events.filter((e) => e.kind === 'end' && e.item === victimItem)[0]!.at > starts[1]!.at).toBe(true);
    // Every other item ran once, start then end (the victim's is checked above: its first run has no end).
    for (const item of items.filter((i) => i !== victimItem)) {
      const own = events.filter((e) => e.item === item).sort((a, b) => (a.at < b.at ? -1 : 1));
      let open = 0;
      for (const e of own) {
        if (e.kind === 'start') {
          expect(open).toBe(0);
          open = 1;
        } else open = 0;
      }
    }
  }, 60_000);

  it('kazoo LockingQueue.put items are run by queue work byte for byte; zk-coord pushes are taken by kazoo get/consume', async () => {
    const path = uniquePath('queue');
    const out = mkdtempSync(join(dir, 'bytes-'));
    await kazoo(
      zkConnect(),
      `q = zk.LockingQueue(${JSON.stringify(path)})
q.put(b"plain text")
q.put(bytes(range(256)))
q.put_all([b"line one\\nline two", b"\\x00nul"], priority=50)`,
    );
    const worker = await runCli(['queue', 'work', path, '--until-empty', '--', 'sh', '-c', `cat > ${out}/$ZK_COORD_ITEM_ID`]);
    expect(worker.code).toBe(0);
    const got = readdirSync(out).sort().map((name) => readFileSync(join(out, name)));
    // Priority 50 first (FIFO within it), then 100.
    expect(got).toEqual([Buffer.from('line one\nline two'), Buffer.from('\0nul'), Buffer.from('plain text'), Buffer.from([...Array(256).keys()])]);

    const back = uniquePath('queue');
    await runCli(['queue', 'push', back, 'first', 'second', '--priority', '100']);
    await runCli(['queue', 'push', back, 'urgent', '--priority', '7']);
    const taken = await kazoo(
      zkConnect(),
      `q = zk.LockingQueue(${JSON.stringify(back)})
got = []
for _ in range(3):
    got.append(q.get(5).decode())
    result["consumed"] = q.consume()
result["got"] = got
result["left"] = len(q)`,
    );
    expect(taken).toEqual({ got: ['urgent', 'first', 'second'], consumed: true, left: 0 });
  });

  it('priority order, then FIFO; a failing item is consumed and counted (exit 1 at the end); --requeue-failed runs it again', async () => {
    const path = uniquePath('queue');
    const log = join(dir, `order-${Date.now()}`);
    await runCli(['queue', 'push', path, 'c1', 'c2', '--priority', '300']);
    await runCli(['queue', 'push', path, 'a1', '--priority', '0']);
    await runCli(['queue', 'push', path, 'b1', 'bad', 'b2']);
    const worker = await runCli(['queue', 'work', path, '--until-empty', '--exec', `echo "$ZK_COORD_ITEM" >> ${log}; test "$ZK_COORD_ITEM" != bad`]);
    expect(lines(log)).toEqual(['a1', 'b1', 'bad', 'b2', 'c1', 'c2']);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain('failed (exit 1)');
    expect(worker.stderr).toContain('6 items run: 5 ok, 1 failed');

    const retry = uniquePath('queue');
    const marker = join(dir, `marker-${Date.now()}`);
    await runCli(['queue', 'push', retry, 'flaky']);
    // Fails the first time only.
    const again = await runCli(['queue', 'work', retry, '--until-empty', '--requeue-failed', '--exec', `echo run >> ${log}.retry; test -e ${marker} || { touch ${marker}; exit 3; }`]);
    expect(again.code).toBe(1);
    expect(lines(`${log}.retry`)).toEqual(['run', 'run']);
    expect(again.stderr).toContain('released back to the queue');

    // -o json: one record per item taken and one at the end, on stdout beside what the commands print.
    const json = uniquePath('queue');
    await runCli(['queue', 'push', json, 'j1', 'j2']);
    const recorded = await runCli(['-o', 'json', 'queue', 'work', json, '--until-empty', '--', 'true']);
    expect(recorded.code).toBe(0);
    const records = recorded.stdout.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toMatchObject([
      { event: 'took', path: json, value: 'j1', priority: 100 },
      { event: 'took', path: json, value: 'j2' },
      { event: 'done', path: json, run: 2, ok: 2, failed: 0, lost: 0 },
    ]);
    expect(records[0]!.node).toBe(`${json}/taken/${records[0]!.item as string}`);
  });

  it('ls shows each item waiting or taken by whom; pop takes one at most once; empty pop exits 5; bad input is exit 2 with nothing written', async () => {
    const path = uniquePath('queue');
    await runCli(['queue', 'push', path, 'one', 'two']);
    const holder = spawnCli(['queue', 'work', path, '--name', 'runner-7', '--', 'sleep', '30']);
    running.push(holder);
    await holder.waitForLine(/^took /, 15_000, 'stderr');
    const ls = await runCli(['queue', 'ls', path, '-o', 'json']);
    const entries = ls.stdout.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toMatchObject([
      { value: 'one', state: 'taken', takenBy: 'runner-7', priority: 100 },
      { value: 'two', state: 'waiting' },
    ]);
    // pop never takes an item a live worker holds.
    expect((await runCli(['queue', 'pop', path])).stdout).toBe('two');
    const empty = await runCli(['queue', 'pop', path]);
    expect(empty.code).toBe(5);
    expect(empty.stderr).toContain('has no free item: all 1 are taken by other workers');
    const waited = await runCli(['queue', 'pop', path, '--wait', '--timeout', '300ms']);
    expect(waited.code).toBe(6);
    holder.signal('SIGTERM');
    await holder.exited;
    // Stopped mid-item: released back, not consumed.
    expect((await runCli(['queue', 'pop', path])).stdout).toBe('one');

    const client = await newClient();
    const other = uniquePath('queue');
    const tooLarge = await runCli(['queue', 'push', other], { input: `small\n${'x'.repeat(1024 * 1024)}\n` });
    expect(tooLarge.code).toBe(2);
    expect(tooLarge.stderr).toContain('jute.maxbuffer');
    expect(await client.exists(other)).toBeNull();
    const badPriority = await runCli(['queue', 'push', other, 'x', '--priority', '1000']);
    expect(badPriority.code).toBe(2);
    expect(await client.exists(other)).toBeNull();
    // The assumed server limit is the one every command takes.
    const lowered = await runCli(['queue', 'push', other, 'small', 'y'.repeat(3000), '--max-request-bytes', '2048']);
    expect(lowered.code).toBe(2);
    expect(lowered.stderr).toMatch(/item 2 is 3000 bytes: .* over the 2048-byte limit .*--max-request-bytes/);
    expect(await client.exists(other)).toBeNull();
    // Reading an absent queue creates nothing; neither does a worker whose command cannot run.
    expect((await runCli(['queue', 'pop', other])).stderr).toContain(`queue ${other} is empty`);
    expect((await runCli(['queue', 'work', other, '--until-empty', '--', 'true'])).code).toBe(0);
    expect(await client.exists(other)).toBeNull();
    expect((await runCli(['queue', 'push', other, 'kept'])).code).toBe(0);
    const unrunnable = await runCli(['queue', 'work', other, '--until-empty', '--', 'no-such-command-zk-coord']);
    expect(unrunnable.code).toBe(127);
    expect(unrunnable.stderr.trim().split('\n')).toHaveLength(1);
    expect((await runCli(['queue', 'pop', other])).stdout).toBe('kept');
  });
});
