/**
 * The CI pipeline scenes: a double barrier of shards, and a work queue drained by workers one of which is
 * killed. Real zk-coord processes, checked as narrated (DemoStepError otherwise).
 */
import type { Narrator } from '../output/narrator.js';
import type { CliProcess } from '../process/cli-process.js';
import { Instances, expectThat, line, type DemoEnv } from './scenarios.js';

/** Three shards meet at a double barrier: none starts before the last arrives; each exits once all are done. */
export async function playBarrier(demo: DemoEnv, say: Narrator): Promise<void> {
  const path = `${demo.root}/pipeline/integration`;
  const instances = new Instances(demo);
  say.scenario('A double barrier: all shards start together, and each knows when all are done', '3 shards, one integration phase', 'issue 19, CI');
  try {
    await say.step('Shards 1 and 2 arrive; they wait for the third');
    say.command(`zk-coord barrier ${path} --count 3 -- ./run-shard.sh    # on each runner`);
    say.primitive(`create -e ${path}/<uuid hex> '{"name","host","pid"}'  →  get -w ${path}/ready ; ls -w ${path}`);
    const shard = (n: number, seconds: number): CliProcess =>
      instances.start(['barrier', path, '--count', '3', '--name', `shard${n}`, '--exec', `echo "shard${n} starts"; sleep ${seconds}; echo "shard${n} done"`]);
    const shards = [shard(1, 0.3), shard(2, 1.2)];
    for (const s of shards) await s.waitForLine(/waiting at barrier/, 15_000, 'stderr').catch(() => expectThat(false, 'shards 1 and 2 should wait'));
    expectThat(shards.every((s) => s.stdout.length === 0), 'no shard may start before the third arrives');
    say.ok('shards 1 and 2 wait: 2 of 3 present');
    await say.step('Shard 3 arrives: the barrier opens for all three at once');
    say.primitive(`create ${path}/ready '{"previous":…,"members":[…]}'  →  every waiter's watch fires`);
    const arrived = Date.now();
    shards.push(shard(3, 0.6));
    const starts = await Promise.all(shards.map((s, i) => line(s, /starts$/, `shard${i + 1} starts`).then(() => Date.now() - arrived)));
    say.ok(`all three started within ${Math.max(...starts)} ms of shard 3's launch (its Node start-up included)`);
    await say.step('Each shard leaves when its own work ends, but exits only when every shard has left');
    const exits = await Promise.all(shards.map((s) => s.exited.then((code) => ({ code, at: Date.now() }))));
    const slowestDone = Math.max(...exits.map((e) => e.at));
    expectThat(exits.every((e) => e.code === 0), 'every shard exits 0');
    expectThat(exits.every((e) => slowestDone - e.at < 500), 'every shard exits together, after the slowest');
    say.ok('shard1 (0.3 s), shard3 (0.6 s) and shard2 (1.2 s) all exited after shard2 was done: "all shards done" is known to each');
  } finally {
    await instances.stopAll();
  }
}

/** Three workers drain a queue; one is killed mid-item; its item is done by another, none lost. */
export async function playQueue(demo: DemoEnv, say: Narrator): Promise<void> {
  const path = `${demo.root}/pipeline/tests`;
  const instances = new Instances(demo);
  const items = Array.from({ length: 12 }, (_, i) => `tests/test_${String(i + 1).padStart(2, '0')}.py`);
  say.scenario('A work queue: split the test files across the runners that are up', 'dynamic test splitting, each file run once, none lost', 'issue 19, CI');
  try {
    await say.step('The pipeline pushes 12 test files');
    say.command(`ls tests/*.py | zk-coord queue push ${path}`);
    say.primitive(`multi (create -s ${path}/entries/entry-100- "<file>" ×12)`);
    const pushed = instances.start(['queue', 'push', path]);
    pushed.input(`${items.join('\n')}\n`);
    expectThat((await pushed.exited) === 0 && pushed.stdout[0] === 'pushed 12', `push should print "pushed 12", got ${pushed.stdout.join(' ')}`);
    say.ok('pushed 12 in one transaction');
    await say.step('Three runners work through it, one file at a time each');
    say.command(`zk-coord queue work ${path} --until-empty -- sh -c 'pytest "$ZK_COORD_ITEM"'`);
    say.primitive(`create -e ${path}/taken/entry-100-… "<runner>"  →  run  →  multi (delete entries/…, delete taken/…)`);
    const job = 'echo "$ZK_COORD_NAME runs $ZK_COORD_ITEM"; sleep 0.4; echo "$ZK_COORD_NAME passed $ZK_COORD_ITEM"';
    const runner = (n: number): CliProcess => instances.start(['queue', 'work', path, '--until-empty', '--name', `runner${n}`, '--session-timeout', '2000', '--exec', job]);
    const runners = [runner(1), runner(2), runner(3)];
    const victimLine = await line(runners[0]!, /^runner1 runs /, 'runner1 takes a file');
    const victimItem = victimLine.replace('runner1 runs ', '');
    say.output(victimLine);
    await say.step(`runner1 dies (SIGKILL) in the middle of ${victimItem}`);
    say.command('kill -KILL <pid of runner1>');
    say.primitive(`its command group dies with it (the keeper); taken/… goes when its session expires  →  ls -w ${path}/taken fires`);
    runners[0]!.signal('SIGKILL');
    await runners[0]!.exited;
    const redone = await Promise.race(
      runners.slice(1).map((r) => line(r, new RegExp(`passed ${victimItem.replace(/[.]/g, '\\.')}$`), `another runner passes ${victimItem}`, 20_000)),
    );
    say.output(redone);
    say.ok(`${victimItem} was run again by ${redone.split(' ')[0]} once runner1's session expired`);
    await say.step('The queue drains: every file passed, none lost');
    const codes = await Promise.all(runners.slice(1).map((r) => r.exited));
    expectThat(codes.every((c) => c === 0), `runners 2 and 3 should exit 0, got ${codes.join(',')}`);
    const passed = new Set(runners.flatMap((r) => r.stdout.filter((l) => l.includes(' passed ')).map((l) => l.split(' passed ')[1])));
    expectThat(items.every((i) => passed.has(i)), `every file should pass, missing ${items.filter((i) => !passed.has(i)).join(', ')}`);
    say.ok(`all 12 files passed; runner2 ran ${runners[1]!.stdout.filter((l) => l.includes(' passed ')).length}, runner3 ${runners[2]!.stdout.filter((l) => l.includes(' passed ')).length}`);
  } finally {
    await instances.stopAll();
  }
}
