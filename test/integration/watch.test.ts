import { afterEach, describe, expect, it } from 'vitest';
import { ChildrenWatch, type ChildrenEvent } from '../../src/recipes/watch/children-watch.js';
import { DataWatch, type DataEvent } from '../../src/recipes/watch/data-watch.js';
import { closeClients, newClient, sleep, uniquePath, waitFor } from '../harness/zk.js';

afterEach(closeClients);

function collect(watch: DataWatch): DataEvent[] {
  const events: DataEvent[] = [];
  watch.on('event', (e) => events.push(e));
  return events;
}

const summary = (events: DataEvent[]): string[] =>
  events.map((e) => ('stat' in e ? `${e.kind}:${e.stat.version}:${e.data.toString()}` : `${e.kind}${e.kind === 'initial' ? ':absent' : ''}`));

describe('DataWatch', () => {
  it('reports the initial value, then created, changed (with version) and deleted', async () => {
    const [watcher, writer] = [await newClient(), await newClient()];
    const p = uniquePath('cfg');
    const watch = new DataWatch(watcher, p);
    const events = collect(watch);
    await watch.start();
    await writer.create(p, Buffer.from('a'));
    await waitFor(() => events.length === 2, 5000, 'created');
    await writer.setData(p, Buffer.from('b'));
    await waitFor(() => events.length === 3, 5000, 'changed');
    await writer.remove(p);
    await waitFor(() => events.length === 4, 5000, 'deleted');
    watch.stop();
    expect(summary(events)).toEqual(['initial:absent', 'created:0:a', 'changed:1:b', 'deleted']);
  });

  it('never reports a version twice and always reports the final value of a burst', async () => {
    const [watcher, writer] = [await newClient(), await newClient()];
    const p = uniquePath('burst');
    await writer.create(p, Buffer.from('0'));
    const watch = new DataWatch(watcher, p);
    const events = collect(watch);
    await watch.start();
    await Promise.all(Array.from({ length: 50 }, (_, i) => writer.setData(p, Buffer.from(String(i + 1)))));
    await waitFor(() => events.some((e) => 'stat' in e && e.stat.version === 50), 5000, 'final version');
    await sleep(300);
    watch.stop();
    const versions = events.map((e) => ('stat' in e ? e.stat.version : -1));
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    const last = events.at(-1)!;
    expect('stat' in last && last.stat.version).toBe(50);
  });

  it('after a new session, reports what changed meanwhile (resync) and goes on', async () => {
    const [first, writer] = [await newClient(), await newClient()];
    const p = uniquePath('rebind');
    await writer.create(p, Buffer.from('old'));
    const watch = new DataWatch(first, p);
    const events = collect(watch);
    await watch.start();
    await first.close();
    await writer.setData(p, Buffer.from('new'));
    const second = await newClient();
    await watch.rebind(second);
    await writer.setData(p, Buffer.from('newer'));
    await waitFor(() => events.length === 3, 5000, 'three events');
    watch.stop();
    expect(summary(events)).toEqual(['initial:0:old', 'changed:1:new', 'changed:2:newer']);
    expect(events[1]).toMatchObject({ resync: true });
    expect(events[2]).toMatchObject({ resync: false });
  });
});

describe('ChildrenWatch', () => {
  it('reports the children, then each addition and removal', async () => {
    const [watcher, writer] = [await newClient(), await newClient()];
    const p = uniquePath('kids');
    await writer.create(p);
    const watch = new ChildrenWatch(watcher, p);
    const events: ChildrenEvent[] = [];
    watch.on('event', (e) => events.push(e));
    await watch.start();
    await writer.create(`${p}/a`);
    await waitFor(() => events.length === 2, 5000, 'added');
    await writer.remove(`${p}/a`);
    await waitFor(() => events.length === 3, 5000, 'removed');
    watch.stop();
    expect(events.map((e) => [e.initial, e.added, e.removed])).toEqual([
      [true, [], []],
      [false, ['a'], []],
      [false, [], ['a']],
    ]);
  });
});
