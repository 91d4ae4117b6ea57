import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchEnsemble, restartNode, stopNodeAndWait, type LaunchedEnsemble, type LaunchOptions } from '../../src/server/launcher.js';
import { runCli, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { FaultProxy } from '../harness/fault-proxy.js';
import { closeClients, newClient, sleep, uniquePath, waitFor, watchArmed, zkConnect } from '../harness/zk.js';
import { zkCli } from '../harness/zkcli.js';

const runs: CliRun[] = [];
afterEach(async () => {
  await stopAll(runs);
  await closeClients();
});

const dir = mkdtempSync(join(tmpdir(), 'zk-coord-tree-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function timedRun(args: string[], options: Parameters<typeof runCli>[1] = {}): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return runCli(args, options).then((r) => ({ ...r, ms: Date.now() - started }));
}

describe('config wait', () => {
  it('returns when the value is set (about 1 s after start), printing it; exit 0', async () => {
    const p = uniquePath('wait');
    const c = await newClient();
    const waiting = timedRun(['config', 'wait', p, '--value', 'go', '--timeout', '20s']);
    await sleep(1000);
    await c.create(p, Buffer.from('not yet'));
    await sleep(100);
    await c.setData(p, Buffer.from('go'));
    const r = await waiting;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('go');
    expect(r.ms).toBeGreaterThanOrEqual(1000);
    expect(r.ms).toBeLessThan(5000);
  });

  it('gives up with exit 6 after --timeout 1 when nothing changes, within 1–1.5 s (generous bound)', async () => {
    const r = await timedRun(['config', 'wait', uniquePath('never'), '--timeout', '1']);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/^error: gave up waiting for \/never-\S+ to exist after 1s$/m);
    expect(r.ms).toBeGreaterThanOrEqual(1000);
    expect(r.ms).toBeLessThan(3000);
  });

  it('exits at once when the condition already holds (JSON: value and version); --deleted and --changed', async () => {
    const p = uniquePath('now');
    const c = await newClient();
    await c.create(p, Buffer.from('here'));
    const now = await runCli(['config', 'wait', p, '-o', 'json']);
    expect(now.code).toBe(0);
    expect(JSON.parse(now.stdout)).toEqual({ path: p, exists: true, value: 'here', version: 0 });
    expect((await runCli(['config', 'wait', `${p}-absent`, '--deleted'])).code).toBe(0);

    const changed = timedRun(['config', 'wait', p, '--changed', '--timeout', '20s']);
    await sleep(700);
    await watchArmed(p);
    await c.setData(p, Buffer.from('new'));
    const r = await changed;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('new');
    expect(r.ms).toBeGreaterThanOrEqual(700);

    const deleted = runCli(['config', 'wait', p, '--deleted', '-o', 'json', '--timeout', '20s']);
    await sleep(700);
    await c.remove(p);
    const d = await deleted;
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout)).toEqual({ path: p, exists: false });
  });

  it('rejects bad input with one line and exit 2: negative or non-numeric --timeout, trailing slash, two conditions', async () => {
    for (const args of [
      ['config', 'wait', '/x', '--timeout', '-1'],
      ['config', 'wait', '/x', '--timeout', 'soon'],
      ['config', 'wait', '/x/'],
      ['config', 'wait', '/x', '--deleted', '--changed'],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^error: /);
    }
  });
});

describe('config wait through a lost session', () => {
  it('builds a new session, checks again, and returns the change made while it was lost (--changed)', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const p = uniquePath('wlost');
      const c = await newClient();
      await c.create(p, Buffer.from('before'));
      const wait = spawnCli(['--session-timeout', '2000', 'config', 'wait', p, '--changed', '--timeout', '30s'], { server: proxy.connectString });
      runs.push(wait);
      // Cut only once it waits (its watch is on the server): a slow start would otherwise meet a refusal.
      await watchArmed(p);
      proxy.setMode('refuse');
      await wait.waitForLine(/session lost/, 10_000, 'stderr');
      await c.setData(p, Buffer.from('meanwhile'));
      proxy.setMode('pass');
      expect(await wait.exited).toBe(0);
      expect(wait.stdout.join('\n')).toBe('meanwhile');
      expect(wait.stderr.join('\n')).toContain('building a new session to keep waiting');
    } finally {
      await proxy.stop();
    }
  });
});

describe('config wait across a server restart (own server)', () => {
  let ensemble: LaunchedEnsemble;
  let options: LaunchOptions;
  let baseDir: string;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'zk-coord-wait-restart-'));
    options = { size: 1, baseDir, tickTimeMs: 500, ownerPid: process.pid };
    ensemble = await launchEnsemble(options);
  });

  afterAll(async () => {
    for (const node of ensemble.nodes) await stopNodeAndWait(node);
    rmSync(baseDir, { recursive: true, force: true });
  });

  it('keeps waiting through the restart and returns the value set afterwards', async () => {
    const server = ensemble.connectString;
    const wait = spawnCli(['--session-timeout', '10000', 'config', 'wait', '/deploy', '--value', 'go'], { server });
    runs.push(wait);
    await watchArmed('/deploy', server);
    const node = ensemble.nodes[0]!;
    await stopNodeAndWait(node);
    await wait.waitForLine(/connection to .* lost/, 10_000, 'stderr');
    ensemble.nodes[0] = await restartNode(node, [node], options);
    // A JVM restart beside the soak test can take over 20 s on two cores: wait for it (the wait rebuilds its
    // session if the restart outlasts it, and re-checks).
    const writer = await newClient({ connectString: server, connectTimeoutMs: 60_000 });
    await writer.create('/deploy', Buffer.from('go'));
    expect(await wait.exited).toBe(0);
    expect(wait.stdout.join('\n')).toBe('go');
  }, 120_000);
});

describe('config watch -R', () => {
  it('prints every create, change and delete at any depth once, in order, with full paths (JSON kind/path/version/value)', async () => {
    const root = uniquePath('wr');
    const c = await newClient();
    const watch = spawnCli(['config', 'watch', '-R', root, '-o', 'json']);
    runs.push(watch);
    await watch.waitForLine(/watching 0 node/, 15_000, 'stderr');
    const expectLine = async (pattern: RegExp): Promise<void> => {
      await watch.waitForLine(pattern);
    };
    await c.create(root, Buffer.from('r'));
    await expectLine(/"kind":"created","path":"\/wr-[^/"]+"/);
    await c.create(`${root}/child`, Buffer.from('1'));
    await expectLine(/"kind":"created","path":"[^"]+\/child"/);
    await c.create(`${root}/child/grand`, Buffer.from('2'));
    await expectLine(/"kind":"created","path":"[^"]+\/child\/grand"/);
    await c.setData(`${root}/child/grand`, Buffer.from('3'));
    await expectLine(/"kind":"changed","path":"[^"]+\/child\/grand","version":1,"value":"3"/);
    await c.remove(`${root}/child/grand`);
    await expectLine(/"kind":"deleted","path":"[^"]+\/child\/grand"/);
    await c.remove(`${root}/child`);
    await expectLine(/"kind":"deleted","path":"[^"]+\/child"/);
    await c.remove(root);
    await expectLine(/"kind":"deleted","path":"\/wr-[^/"]+"/);
    await sleep(200);
    watch.signal('SIGTERM');
    expect(await watch.exited).toBe(0);
    const events = watch.stdout.map((l) => JSON.parse(l) as { kind: string; path: string; value?: string });
    expect(events.map((e) => `${e.kind} ${e.path.replace(root, '')}${e.value !== undefined ? ` ${e.value}` : ''}`)).toEqual([
      'created  r',
      'created /child 1',
      'created /child/grand 2',
      'changed /child/grand 3',
      'deleted /child/grand',
      'deleted /child',
      'deleted ',
    ]);
  });

  it('after a burst of 500 writes across 50 nodes, the last line of every node is its true final value', async () => {
    const root = uniquePath('wburst');
    const c = await newClient();
    await c.mkdirp(`${root}/a`);
    const paths = Array.from({ length: 50 }, (_, i) => `${root}/${i % 2 ? 'a/' : ''}k${i}`);
    await Promise.all(paths.map((p) => c.create(p, Buffer.from('0'))));
    const watch = spawnCli(['config', 'watch', '-R', root, '-o', 'json']);
    runs.push(watch);
    await watch.waitForLine(/watching 52 node/, 15_000, 'stderr');
    const writes: Promise<unknown>[] = [];
    for (let round = 1; round <= 9; round += 1) for (const p of paths) writes.push(c.setData(p, Buffer.from(`v${round}`)));
    await Promise.all(writes);
    const last = (): Map<string, { version: number; value: string }> => {
      const map = new Map<string, { version: number; value: string }>();
      for (const line of watch.stdout) {
        const e = JSON.parse(line) as { path: string; version: number; value: string };
        map.set(e.path, e);
      }
      return map;
    };
    await waitFor(() => paths.every((p) => last().get(p)?.value === 'v9'), 15_000, 'final values printed');
    // The server's own final version (9 unless a connection loss made the writer re-send some writes).
    for (const p of paths) expect(last().get(p)).toMatchObject({ version: (await c.exists(p))!.version, value: 'v9' });
  });
});

describe('ls -R -w', () => {
  it('follows the whole subtree like config watch -R', async () => {
    const root = uniquePath('lsw');
    const c = await newClient();
    await c.create(root);
    const watch = spawnCli(['ls', root, '-R', '-w', '-o', 'json']);
    runs.push(watch);
    await watch.waitForLine(/"kind":"initial"/);
    await c.mkdirp(`${root}/x/y`);
    await watch.waitForLine(/"kind":"created","path":"[^"]+\/x\/y"/);
  });
});

describe('config watch -R through a short disconnection (same session)', () => {
  it('reports a change made while it was disconnected, on the same session', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const root = uniquePath('wshort');
      const c = await newClient();
      await c.mkdirp(`${root}/a`);
      const watch = spawnCli(['--session-timeout', '6000', 'config', 'watch', '-R', root], { server: proxy.connectString });
      runs.push(watch);
      await watch.waitForLine(/watching 2 node/, 15_000, 'stderr');
      proxy.setMode('refuse');
      await watch.waitForLine(/connection to .* lost/, 10_000, 'stderr');
      await c.setData(`${root}/a`, Buffer.from('while away'));
      await c.create(`${root}/a/b`, Buffer.from('new'));
      proxy.setMode('pass');
      await watch.waitForLine(/reconnected to .* same session/, 15_000, 'stderr');
      await watch.waitForLine(new RegExp(`^changed\\s+${root}/a\\s+version 1\\s+while away$`));
      await watch.waitForLine(new RegExp(`^created\\s+${root}/a/b\\s+version 0\\s+new$`));
    } finally {
      await proxy.stop();
    }
  });
});

describe('config watch -R through a lost session', () => {
  it('builds a new session and reports what was created, changed and deleted meanwhile, then goes on', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const root = uniquePath('wlost');
      const c = await newClient();
      await c.mkdirp(`${root}/a`);
      await c.create(`${root}/b`, Buffer.from('b0'));
      await c.create(`${root}/c`, Buffer.from('c0'));
      const watch = spawnCli(['--session-timeout', '2000', 'config', 'watch', '-R', root], { server: proxy.connectString });
      runs.push(watch);
      await watch.waitForLine(/watching 4 node/, 15_000, 'stderr');
      proxy.setMode('refuse');
      await watch.waitForLine(/session lost/, 10_000, 'stderr');
      await c.setData(`${root}/b`, Buffer.from('b1'));
      await c.create(`${root}/a/new`, Buffer.from('n'));
      await c.remove(`${root}/c`);
      proxy.setMode('pass');
      await watch.waitForLine(/watching again with session/, 15_000, 'stderr');
      const resynced = watch.stdout.filter((l) => l.includes('(while disconnected)'));
      expect(resynced.sort()).toEqual([`changed  ${root}/b  version 1 (while disconnected)  b1`, `created  ${root}/a/new  version 0 (while disconnected)  n`, `deleted  ${root}/c (while disconnected)`].sort());
      await c.setData(`${root}/a/new`, Buffer.from('n2'));
      await watch.waitForLine(new RegExp(`^changed\\s+${root}/a/new\\s+version 1\\s+n2$`));
      watch.signal('SIGTERM');
      expect(await watch.exited).toBe(0);
    } finally {
      await proxy.stop();
    }
  });
});

describe('config export / import', () => {
  it('export → import elsewhere → export gives the identical document (values with children, empty leaves, binary as base64)', async () => {
    const src = uniquePath('exp');
    const c = await newClient();
    await c.create(src, Buffer.from('root value'));
    await c.mkdirp(`${src}/db/empty`);
    await c.create(`${src}/db/host`, Buffer.from('localhost'));
    await c.create(`${src}/bin`, Buffer.from([0x00, 0xff, 0x1b, 0x80]));
    await c.create(`${src}/eph`, Buffer.from('mine'), 'ephemeral');
    const first = await runCli(['config', 'export', src]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ '': 'root value', bin: { '': { base64: 'AP8bgA==' } }, db: { empty: '', host: 'localhost' } });
    const file = join(dir, 'exp.json');
    writeFileSync(file, first.stdout);
    const dst = `${uniquePath('imp')}/nested/copy`;
    const imported = await runCli(['config', 'import', dst, file]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain('in one transaction');
    const again = await runCli(['config', 'export', dst]);
    expect(again.stdout).toBe(first.stdout);
    expect((await c.getData(`${dst}/bin`)).data).toEqual(Buffer.from([0x00, 0xff, 0x1b, 0x80]));
    // --ephemeral includes the ephemeral node; --binary skip leaves the binary value out, with a note.
    expect(JSON.parse((await runCli(['config', 'export', src, '--ephemeral'])).stdout)).toHaveProperty('eph', 'mine');
    const skip = await runCli(['config', 'export', src, '--binary', 'skip']);
    expect(JSON.parse(skip.stdout)).not.toHaveProperty('bin');
    expect(skip.stderr).toContain(`skipped the binary value of ${src}/bin`);
  });

  it('--dry-run prints the plan and changes nothing (zkCli sees nothing); --prune deletes what the file does not name', async () => {
    const root = uniquePath('plan');
    const c = await newClient();
    await c.create(root);
    await c.create(`${root}/keep`, Buffer.from('old'));
    await c.mkdirp(`${root}/stale/sub`);
    const doc = JSON.stringify({ keep: 'new', added: 'a' });
    const dry = await runCli(['config', 'import', root, '-', '--dry-run', '--prune'], { input: doc });
    expect(dry.code).toBe(0);
    expect(dry.stdout.split('\n')).toEqual([`create  ${root}/added  a`, `update  ${root}/keep  version 0  old -> new`, `delete  ${root}/stale/sub  version 0`, `delete  ${root}/stale  version 0`]);
    expect(dry.stderr).toContain('nothing changed');
    const seen = await zkCli(['ls', root]);
    expect(seen.some((l) => l.includes('[keep, stale]'))).toBe(true);
    expect((await zkCli(['get', `${root}/keep`])).includes('old')).toBe(true);
    const real = await runCli(['config', 'import', root, '-', '--prune', '-o', 'json'], { input: doc });
    expect(real.code).toBe(0);
    const lines = real.stdout.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ summary: true, created: 1, updated: 1, deleted: 2, transactions: 1 });
    expect(await c.listTree(root)).toEqual([root, `${root}/added`, `${root}/keep`]);
  });

  it('a concurrent write between its read and its commit makes it exit 6 with zero changes', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const root = uniquePath('race');
      const c = await newClient();
      await c.create(root);
      await c.create(`${root}/a`, Buffer.from('a0'));
      const hold = proxy.holdRequest(14);
      const importing = runCli(['config', 'import', root, '-'], { server: proxy.connectString, input: JSON.stringify({ a: 'mine', b: 'new' }) });
      await hold.held;
      await c.setData(`${root}/a`, Buffer.from('theirs'));
      hold.release();
      const r = await importing;
      expect(r.code).toBe(6);
      expect(r.stderr).toMatch(/^error: import conflict at \/race-\S+\/a: version mismatch.*nothing was changed$/m);
      expect(r.stdout).toBe('');
      expect((await c.getData(`${root}/a`)).data.toString()).toBe('theirs');
      expect(await c.exists(`${root}/b`)).toBeNull();
    } finally {
      await proxy.stop();
    }
  });

  it('bad input (not JSON, a key that is no znode name, a trailing slash) is one line, exit 2, nothing changed', async () => {
    const root = uniquePath('bad');
    for (const [args, input] of [
      [['config', 'import', root, '-'], '{"a": '],
      [['config', 'import', root, '-'], '{"a/b": "x"}'],
      [['config', 'import', root, '-'], '{"a": 5}'],
      [['config', 'import', `${root}/`, '-'], '{"a": "x"}'],
      [['config', 'export', `${root}/`], ''],
    ] as [string[], string][]) {
      const r = await runCli(args, { input });
      expect(r.code, `${args.join(' ')} <<< ${input}`).toBe(2);
      expect(r.stderr.split('\n')).toHaveLength(1);
    }
    expect(await (await newClient()).exists(root)).toBeNull();
  });

  it('refuses a document over one transaction, saying so, unless --non-atomic (then several transactions)', async () => {
    const root = uniquePath('big');
    const big = 'x'.repeat(400_000);
    const doc = JSON.stringify({ a: big, b: big, c: big });
    const refused = await runCli(['config', 'import', root, '-'], { input: doc });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/over the 1048575-byte limit of one ZooKeeper request.*--non-atomic/);
    const c = await newClient();
    expect(await c.exists(root)).toBeNull();
    const split = await runCli(['config', 'import', root, '-', '--non-atomic'], { input: doc });
    expect(split.code).toBe(0);
    expect(split.stderr).toMatch(/in [23] transactions \(not atomic as a whole\)/);
    expect((await c.getData(`${root}/c`)).data.length).toBe(400_000);
  });
});

describe('config get with several paths', () => {
  it('prints each value on its own line, JSON path -> value; a missing path: exit 5 naming it, nothing on stdout', async () => {
    const p = uniquePath('multi');
    const c = await newClient();
    await c.create(p, Buffer.from('one'));
    await c.create(`${p}-2`, Buffer.from('two'));
    const text = await runCli(['config', 'get', p, `${p}-2`]);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(`one\ntwo`);
    const json = await runCli(['config', 'get', p, `${p}-2`, '-o', 'json']);
    expect(JSON.parse(json.stdout)).toEqual({ [p]: 'one', [`${p}-2`]: 'two' });
    const missing = await runCli(['config', 'get', p, `${p}-none`, `${p}-2`]);
    expect(missing.code).toBe(5);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(`error: node does not exist: ${p}-none`);
  });
});
