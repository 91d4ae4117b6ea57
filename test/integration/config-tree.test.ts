import { afterEach, describe, expect, it } from 'vitest';
import { fromJson } from '../../src/recipes/config/document.js';
import { ImportConflictError } from '../../src/recipes/config/errors.js';
import { applyImport, planImport } from '../../src/recipes/config/import.js';
import { TreeCache, type TreeEvent } from '../../src/recipes/config/tree-cache.js';
import { ConfigWait, type WaitOutcome } from '../../src/recipes/config/wait.js';
import { FaultProxy } from '../harness/fault-proxy.js';
import { closeClients, newClient, uniquePath, waitFor, zkConnect } from '../harness/zk.js';

afterEach(closeClients);

const brief = (e: TreeEvent): string => `${e.kind} ${e.path}${'data' in e ? ` ${e.data.toString()}` : ''}`;

describe('TreeCache', () => {
  it('reports every create, change and delete at any depth, once, in order, with full paths', async () => {
    const c = await newClient();
    const root = uniquePath('tree');
    await c.create(root, Buffer.from('r'));
    const watcher = await newClient();
    const cache = new TreeCache(watcher, root);
    const events: string[] = [];
    cache.on('event', (e) => events.push(brief(e)));
    await cache.start();
    expect(events).toEqual([`initial ${root} r`]);
    const expectNext = async (line: string): Promise<void> => {
      await waitFor(() => events.length >= 2 + steps.length, 5000, line);
      steps.push(line);
    };
    const steps: string[] = [];
    await c.create(`${root}/a`, Buffer.from('1'));
    await expectNext(`created ${root}/a 1`);
    await c.create(`${root}/a/b`, Buffer.from('2'));
    await expectNext(`created ${root}/a/b 2`);
    await c.setData(`${root}/a/b`, Buffer.from('3'));
    await expectNext(`changed ${root}/a/b 3`);
    await c.remove(`${root}/a/b`);
    await expectNext(`deleted ${root}/a/b`);
    await c.remove(`${root}/a`);
    await expectNext(`deleted ${root}/a`);
    await cache.settled();
    expect(events.slice(1)).toEqual(steps);
    expect(cache.paths()).toEqual([root]);
    expect(cache.watchCount).toBe(2);
    cache.stop();
  });

  it('ends a burst of 500 writes across 50 nodes (at two depths) with the true final state, no version twice', async () => {
    const c = await newClient();
    const root = uniquePath('burst');
    await c.mkdirp(`${root}/deep`);
    const watcher = await newClient();
    const cache = new TreeCache(watcher, root);
    const seen = new Map<string, number[]>();
    cache.on('event', (e) => {
      if (e.kind !== 'deleted') seen.set(e.path, [...(seen.get(e.path) ?? []), e.stat.version]);
    });
    await cache.start();
    const paths = Array.from({ length: 50 }, (_, i) => (i % 2 ? `${root}/n${i}` : `${root}/deep/n${i}`));
    await Promise.all(paths.map((p) => c.create(p, Buffer.from('0'))));
    // 450 more writes, pipelined, interleaved across the nodes.
    const writes: Promise<unknown>[] = [];
    for (let round = 1; round < 10; round += 1) for (const p of paths) writes.push(c.setData(p, Buffer.from(String(round))));
    await Promise.all(writes);
    await waitFor(() => paths.every((p) => cache.get(p)?.data.toString() === '9'), 10_000, 'final values');
    await cache.settled();
    for (const p of paths) {
      const truth = await c.getData(p);
      expect(cache.get(p)?.stat.version).toBe(truth.stat.version);
      const versions = seen.get(p) ?? [];
      expect(new Set(versions).size).toBe(versions.length);
      expect(versions.at(-1)).toBe(9);
    }
    expect(cache.size).toBe(52);
    cache.stop();
  });

  it('after a lost session, rebinds and reports with resync what was created, changed and deleted meanwhile', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const c = await newClient();
      const root = uniquePath('resync');
      await c.mkdirp(`${root}/keep`);
      await c.create(`${root}/gone`, Buffer.from('x'));
      await c.create(`${root}/edit`, Buffer.from('old'));
      const watcher = await newClient({ connectString: proxy.connectString, sessionTimeoutMs: 2000 });
      const cache = new TreeCache(watcher, root);
      const events: TreeEvent[] = [];
      cache.on('event', (e) => events.push(e));
      cache.on('error', () => {});
      await cache.start();
      events.length = 0;
      proxy.setMode('refuse');
      await waitFor(() => watcher.state === 'lost', 10_000, 'session lost');
      await c.remove(`${root}/gone`);
      await c.setData(`${root}/edit`, Buffer.from('new'));
      await c.create(`${root}/keep/born`, Buffer.from('b'));
      proxy.setMode('pass');
      await cache.rebind(await newClient());
      expect(events.map(brief).sort()).toEqual([`changed ${root}/edit new`, `created ${root}/keep/born b`, `deleted ${root}/gone`]);
      expect(events.every((e) => 'resync' in e && e.resync)).toBe(true);
      // And it keeps following through the new session.
      events.length = 0;
      await c.setData(`${root}/keep/born`, Buffer.from('after'));
      await waitFor(() => events.length === 1, 5000, 'event after rebind');
      expect(brief(events[0] as TreeEvent)).toBe(`changed ${root}/keep/born after`);
      cache.stop();
    } finally {
      await proxy.stop();
    }
  });
});

describe('import: one transaction, version-checked', () => {
  it('a write between the read and the commit (a node at version 0) fails the import whole: nothing created, nothing changed', async () => {
    const c = await newClient();
    const root = uniquePath('imp');
    await c.create(root);
    await c.create(`${root}/a`, Buffer.from('a0'));
    await c.create(`${root}/same`, Buffer.from('s'));
    const tree = fromJson({ a: 'a-new', same: 's', fresh: { child: 'c' } }, root);
    const plan = await planImport(c, root, tree);
    expect(plan.steps.map((s) => `${s.action} ${s.path}`)).toEqual([`update ${root}/a`, `create ${root}/fresh`, `create ${root}/fresh/child`]);
    expect(plan.ops).toContainEqual({ type: 'setData', path: `${root}/a`, data: Buffer.from('a-new'), version: 0 });
    // Another writer: /a moves from version 0 to 1 (the library's own builder would send version 0 as -1 and overwrite it).
    const other = await newClient();
    await other.setData(`${root}/a`, Buffer.from('theirs'));
    const error = await applyImport(c, plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportConflictError);
    expect((error as Error).message).toContain(`${root}/a`);
    expect((await c.getData(`${root}/a`)).data.toString()).toBe('theirs');
    expect(await c.exists(`${root}/fresh`)).toBeNull();
    // An unchanged node is checked too: a write to it alone fails the import.
    const again = await planImport(c, root, tree);
    await other.setData(`${root}/same`, Buffer.from('s'));
    await expect(applyImport(c, again)).rejects.toBeInstanceOf(ImportConflictError);
    expect(await c.exists(`${root}/fresh`)).toBeNull();
  });

  it('--prune deletes what the document does not name, deepest first, and keeps ephemeral nodes with their parents', async () => {
    const c = await newClient();
    const root = uniquePath('prune');
    await c.mkdirp(`${root}/old/deeper/deepest`);
    await c.mkdirp(`${root}/live`);
    await c.create(`${root}/live/member`, Buffer.from('e'), 'ephemeral');
    await c.create(`${root}/kept`, Buffer.from('k'));
    const plan = await planImport(c, root, fromJson({ kept: 'k2' }, root), { prune: true });
    expect(plan.steps.map((s) => `${s.action} ${s.path}`)).toEqual([
      `update ${root}/kept`,
      `delete ${root}/old/deeper/deepest`,
      `delete ${root}/old/deeper`,
      `delete ${root}/old`,
    ]);
    expect(plan.kept).toEqual([`${root}/live`, `${root}/live/member`]);
    await applyImport(c, plan);
    expect(await c.listTree(root)).toEqual([root, `${root}/kept`, `${root}/live`, `${root}/live/member`]);
  });
});

describe('ConfigWait', () => {
  it('is satisfied at once when already true, and --changed counts a change made while the session was lost', async () => {
    const c = await newClient();
    const p = uniquePath('wait');
    await c.create(p, Buffer.from('v0'));
    const now = new ConfigWait(await newClient(), p, { kind: 'value', value: Buffer.from('v0') });
    const immediate = new Promise<WaitOutcome>((resolve) => now.on('satisfied', resolve));
    await now.start();
    expect(await immediate).toMatchObject({ exists: true, stat: { version: 0 } });

    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const watcher = await newClient({ connectString: proxy.connectString, sessionTimeoutMs: 2000 });
      const wait = new ConfigWait(watcher, p, { kind: 'changed' });
      let outcome: WaitOutcome | undefined;
      wait.on('satisfied', (o) => (outcome = o));
      wait.on('error', () => {});
      await wait.start();
      expect(outcome).toBeUndefined();
      proxy.setMode('refuse');
      await waitFor(() => watcher.state === 'lost', 10_000, 'session lost');
      await c.setData(p, Buffer.from('v1'));
      proxy.setMode('pass');
      await wait.rebind(await newClient());
      expect(outcome).toMatchObject({ exists: true, stat: { version: 1 } });
    } finally {
      await proxy.stop();
    }
  });
});
