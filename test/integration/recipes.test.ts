import { afterEach, describe, expect, it } from 'vitest';
import { claimLowestFreeId } from '../../src/recipes/claim/claim.js';
import { SequentialContender } from '../../src/recipes/contenders/contenders.js';
import { registerInstance } from '../../src/recipes/discovery/registration.js';
import { buildInstance } from '../../src/recipes/discovery/service-instance.js';
import { TakenError, WaitTimeoutError } from '../../src/recipes/errors.js';
import { ZkClient } from '../../src/zk/index.js';
import { FaultProxy } from '../../src/server/fault-proxy.js';
import { closeClients, newClient, uniquePath, waitFor, zkConnect } from '../harness/zk.js';

afterEach(closeClients);

const CREATE = 1;

describe('claimLowestFreeId', () => {
  it('gives 20 concurrent claimers exactly 1..20', async () => {
    const parent = uniquePath('seq');
    const clients = await Promise.all(Array.from({ length: 20 }, () => newClient()));
    const claims = await Promise.all(clients.map((c) => claimLowestFreeId(c, { parent, data: Buffer.from('x') })));
    expect(claims.map((c) => c.id).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const [i, claim] of claims.entries()) expect(claim.sessionId).toBe(clients[i]!.sessionId);
  });

  it('fills gaps lowest first, bounds the pool, waits for a freed ID', async () => {
    const parent = uniquePath('seq');
    const [a, b, c] = [await newClient(), await newClient(), await newClient()];
    await a.mkdirp(parent);
    await a.create(`${parent}/2`, Buffer.alloc(0), 'ephemeral');
    expect((await claimLowestFreeId(b, { parent, data: Buffer.alloc(0), max: 2 })).id).toBe(1);
    await expect(claimLowestFreeId(c, { parent, data: Buffer.alloc(0), max: 2, wait: false })).rejects.toBeInstanceOf(TakenError);
    await expect(claimLowestFreeId(c, { parent, data: Buffer.alloc(0), max: 2, waitTimeoutMs: 300 })).rejects.toBeInstanceOf(WaitTimeoutError);
    const waiting = claimLowestFreeId(c, { parent, data: Buffer.alloc(0), max: 2 });
    await new Promise((r) => setTimeout(r, 200));
    await a.close();
    expect((await waiting).id).toBe(2);
  });

  it('after a connection loss on its create, finds the node its own session made and keeps it', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const parent = uniquePath('seq');
      const c = await ZkClient.connect({ connectString: proxy.connectString, sessionTimeoutMs: 4000 });
      await c.mkdirp(parent);
      proxy.dropAfterRequest(CREATE);
      const claim = await claimLowestFreeId(c, { parent, data: Buffer.from('me') });
      expect(proxy.drops).toBe(1);
      expect(claim.id).toBe(1);
      const observer = await newClient();
      const { children } = await observer.getChildren(parent);
      expect(children).toEqual(['1']);
      expect((await observer.exists(`${parent}/1`))?.ephemeralOwner).toBe(c.sessionId);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });
});

/**
 * `client`, except that its first `times` creates under `parent` find the parent deleted by another session
 * just before: what the server's container reaper does to an empty Curator parent between our mkdirp and our
 * create, made certain instead of once in a while.
 */
function parentReapedBeforeCreate(client: ZkClient, other: ZkClient, parent: string, times: number): ZkClient & { reaped: number } {
  let reaped = 0;
  return new Proxy(client, {
    get(target, property) {
      if (property === 'reaped') return reaped;
      if (property === 'create') {
        return async (path: string, ...rest: unknown[]) => {
          if (path.startsWith(`${parent}/`) && reaped < times) {
            reaped += 1;
            await other.remove(parent);
          }
          return (target.create as (...args: unknown[]) => Promise<string>)(path, ...rest);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as ZkClient & { reaped: number };
}

describe('a parent deleted between our mkdirp and our create (an empty Curator container, reaped)', () => {
  it('a contender makes it again and enters; so does a registration', async () => {
    const other = await newClient();
    const parent = uniquePath('reaped-lock');
    const c = parentReapedBeforeCreate(await newClient(), other, parent, 3);
    const node = await new SequentialContender(c, { parent, role: 'exclusive', data: Buffer.from('x') }).enter();
    expect(c.reaped).toBe(3);
    expect((await other.getChildren(parent)).children).toEqual([node.name]);

    const base = uniquePath('reaped-services');
    const r = parentReapedBeforeCreate(await newClient(), other, `${base}/api`, 2);
    const { path } = await registerInstance(r, { base, instance: buildInstance({ name: 'api', id: 'i1', address: '127.0.0.1', port: 80 }) });
    expect(r.reaped).toBe(2);
    expect(path).toBe(`${base}/api/i1`);
    expect((await other.exists(path))?.ephemeralOwner).toBe(r.sessionId);
  });
});

describe('SequentialContender', () => {
  it('watchForeign: each joining contender of another library once, across a reconnect; nothing after stop', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const parent = uniquePath('foreign');
      const other = await newClient();
      const c = await ZkClient.connect({ connectString: proxy.connectString, sessionTimeoutMs: 6000 });
      const contender = new SequentialContender(c, { parent, role: 'exclusive', data: Buffer.from('holder') });
      await contender.enter();
      await contender.awaitTurn({});
      const seen: string[] = [];
      const stop = contender.watchForeign((node, convention) => seen.push(`${convention.id} ${node.name}`));
      const kazooName = (await other.create(`${parent}/${'a'.repeat(32)}__lock__`, undefined, 'ephemeral-sequential')).split('/').pop()!;
      // One of our own convention (a zk-coord waiter) is no foreigner.
      await other.create(`${parent}/lock-00000000-0000-4000-8000-000000000000-`, undefined, 'ephemeral-sequential');
      await waitFor(() => seen.length === 1, 5000, 'the kazoo contender reported');
      expect(seen).toEqual([`kazoo ${kazooName}`]);
      // A connection cut and restored (same session): still watching, each node still reported once.
      proxy.setMode('refuse');
      await waitFor(() => c.state === 'suspended', 5000, 'suspended');
      proxy.setMode('pass');
      await waitFor(() => c.state === 'connected', 10_000, 'reconnected');
      const curatorName = (await other.create(`${parent}/_c_11111111-2222-4333-8444-555555555555-lock-`, undefined, 'ephemeral-sequential')).split('/').pop()!;
      await waitFor(() => seen.length === 2, 5000, 'the Curator contender reported');
      await other.create(`${parent}/${'b'.repeat(32)}__lock__`, undefined, 'ephemeral-sequential');
      await waitFor(() => seen.length === 3, 5000, 'the second kazoo contender reported');
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toHaveLength(3);
      expect(seen[1]).toBe(`curator-mutex ${curatorName}`);
      stop();
      await other.create(`${parent}/${'c'.repeat(32)}__lock__`, undefined, 'ephemeral-sequential');
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toHaveLength(3);
      await contender.leave();
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it('a protected create cut off right after it is forwarded leaves no orphan and no second node, 20 times out of 20', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const parent = uniquePath('election');
      const observer = await newClient();
      const c = await ZkClient.connect({ connectString: proxy.connectString, sessionTimeoutMs: 4000 });
      for (let i = 0; i < 20; i += 1) {
        proxy.dropAfterRequest(CREATE);
        const contender = new SequentialContender(c, { parent, role: 'candidate', data: Buffer.from(`n${i}`) });
        // mkdirp creates the parent on the first round: cut that create too, then the contender's own.
        const node = await contender.enter();
        const { children } = await observer.getChildren(parent);
        expect(children).toEqual([node.name]);
        await contender.leave();
        expect((await observer.getChildren(parent)).children).toEqual([]);
      }
      expect(proxy.drops).toBe(20);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it('one departure wakes exactly one waiter (each watches only its predecessor)', async () => {
    const parent = uniquePath('herd');
    const wakeups = new Map<number, number>();
    const clients: ZkClient[] = [];
    const contenders: SequentialContender[] = [];
    for (let i = 0; i < 10; i += 1) {
      let listings = 0;
      const c = await ZkClient.connect({
        connectString: zkConnect(),
        sessionTimeoutMs: 4000,
        onTrace: (line) => {
          if (line === `ls ${parent}`) wakeups.set(i, ++listings);
        },
      });
      clients.push(c);
      const contender = new SequentialContender(c, { parent, role: 'candidate', data: Buffer.from(`c${i}`) });
      await contender.enter();
      contenders.push(contender);
    }
    const turns = contenders.map((c) => c.awaitTurn({}));
    // The waiters still queued at the end are rejected when their sessions close.
    for (const turn of turns) turn.catch(() => undefined);
    await turns[0];
    await waitFor(() => wakeups.size === 10, 5000, 'all listed once');
    const before = new Map(wakeups);
    await contenders[0]!.leave();
    await turns[1];
    await new Promise((r) => setTimeout(r, 500));
    const woken = [...wakeups].filter(([i, n]) => n > before.get(i)!).map(([i]) => i);
    expect(woken).toEqual([1]);
    const tokens = [(await turns[0]!).token, (await turns[1]!).token];
    expect(tokens[1]).toBeGreaterThan(tokens[0]!);
    for (const c of clients) await c.close();
  });
});
