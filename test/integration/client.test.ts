import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BadVersionError,
  ConnectFailedError,
  NoAuthError,
  NoNodeError,
  NodeExistsError,
  NotEmptyError,
  UnknownServerError,
  ZkClient,
} from '../../src/zk/index.js';
import { silentHost } from '../../src/server/fault-proxy.js';
import { closeClients, newClient, uniquePath, zkConnect } from '../harness/zk.js';
import { zkCli } from '../harness/zkcli.js';

afterEach(closeClients);

describe('ZkClient against a real ZooKeeper', () => {
  it('creates, reads, writes and deletes, with typed errors that carry the path', async () => {
    const c = await newClient();
    const p = uniquePath();
    await c.create(p, Buffer.from('v0'));
    await expect(c.create(p)).rejects.toBeInstanceOf(NodeExistsError);
    const { data, stat } = await c.getData(p);
    expect(data.toString()).toBe('v0');
    expect(stat.version).toBe(0);
    expect(stat.ephemeralOwner).toBe(0n);
    expect(stat.ctime.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const missing = await c.getData(`${p}/nope`).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NoNodeError);
    expect((missing as NoNodeError).path).toBe(`${p}/nope`);
    expect(await c.exists(`${p}/nope`)).toBeNull();
    await c.create(`${p}/child`);
    await expect(c.remove(p)).rejects.toBeInstanceOf(NotEmptyError);
  });

  it('compare-and-set at version 0 means version 0 (the library Transaction treats 0 as any: #67)', async () => {
    const c = await newClient();
    const p = uniquePath();
    await c.create(p, Buffer.from('a'));
    await c.setData(p, Buffer.from('b'), 0);
    await expect(c.setData(p, Buffer.from('c'), 0)).rejects.toBeInstanceOf(BadVersionError);
    await expect(c.remove(p, 0)).rejects.toBeInstanceOf(BadVersionError);
    await c.remove(p, 1);
    expect(await c.exists(p)).toBeNull();
  });

  it('lists and deletes trees deeper than two levels (the library stops at one: #127)', async () => {
    const c = await newClient();
    const p = uniquePath();
    await c.mkdirp(`${p}/a/b/c/d`);
    await c.mkdirp(`${p}/a/x`);
    const tree = await c.listTree(p);
    expect(tree).toEqual([p, `${p}/a`, `${p}/a/b`, `${p}/a/x`, `${p}/a/b/c`, `${p}/a/b/c/d`]);
    expect(await c.removeTree(p)).toBe(6);
    expect(await c.exists(p)).toBeNull();
  });

  it('closes the session before close() resolves: its ephemeral nodes are gone for everyone at once', async () => {
    const observer = await newClient();
    for (let i = 0; i < 5; i += 1) {
      const holder = await ZkClient.connect({ connectString: zkConnect(), sessionTimeoutMs: 4000 });
      const p = uniquePath('eph');
      await holder.create(p, Buffer.from('x'), 'ephemeral');
      expect((await observer.exists(p))?.ephemeralOwner).toBe(holder.sessionId);
      // Every other time with a request still unanswered: its reply must not pass for the close's.
      const inFlight = i % 2 === 1 ? holder.getData(p).then(() => 'answered', () => 'failed') : undefined;
      if (inFlight) await new Promise((resolve) => setImmediate(resolve)); // written, not yet answered
      await holder.close();
      expect(holder.state).toBe('closed');
      expect(await observer.exists(p)).toBeNull();
      if (inFlight) expect(await inFlight).toBe('answered');
    }
  });

  it('fails connecting within the deadline, naming every host tried', async () => {
    const started = Date.now();
    const error = await ZkClient.connect({ connectString: '127.0.0.1:1,127.0.0.1:2', connectTimeoutMs: 800 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectFailedError);
    // In the order tried (the library shuffles the hosts), each with what went wrong.
    expect((error as Error).message).toContain('127.0.0.1:1 (ECONNREFUSED)');
    expect((error as Error).message).toContain('127.0.0.1:2 (ECONNREFUSED)');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('is not hung by a first host that accepts TCP and never answers', async () => {
    const silent = await silentHost();
    try {
      // The library shuffles hosts; repeat so the silent one comes first several times.
      for (let i = 0; i < 6; i += 1) {
        const started = Date.now();
        const c = await ZkClient.connect({ connectString: `127.0.0.1:${silent.port},${zkConnect()}`, sessionTimeoutMs: 3000, connectTimeoutMs: 8000 });
        expect(c.state).toBe('connected');
        expect(Date.now() - started).toBeLessThan(6000);
        await c.close();
      }
    } finally {
      await silent.stop();
    }
  });

  it('turns a server error code the library does not know (QUOTA_EXCEEDED, -125) into an error, not a crash', async () => {
    const c = await newClient();
    const p = uniquePath('quota');
    await c.create(p);
    // The count includes the node itself: 2 allows one child.
    await zkCli(['setquota', '-N', '2', p]);
    await c.create(`${p}/one`);
    const error = await c.create(`${p}/two`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownServerError);
    expect((error as UnknownServerError).serverCode).toBe(-125);
    expect((error as Error).message).toContain('QUOTA_EXCEEDED');
    // The client is still usable afterwards.
    expect((await c.getChildren(p)).children).toEqual(['one']);
    await zkCli(['delquota', p]);
  }, 60_000);

  it('sends digest credentials from the options and is refused without them (NoAuth)', async () => {
    const p = uniquePath('secret');
    const digest = createHash('sha1').update('alice:s3cret').digest('base64');
    await zkCli(['create', p, 'hidden', `digest:alice:${digest}:cdrwa`]);
    const anonymous = await newClient();
    await expect(anonymous.getData(p)).rejects.toBeInstanceOf(NoAuthError);
    const alice = await newClient({ digestAuth: 'alice:s3cret' });
    expect((await alice.getData(p)).data.toString()).toBe('hidden');
    await alice.remove(p);
  }, 60_000);

  it('reports every operation as its zkCli command to onTrace', async () => {
    const lines: string[] = [];
    const c = await newClient({ onTrace: (l) => lines.push(l) });
    const p = uniquePath();
    await c.create(p, Buffer.from('hi'), 'ephemeral-sequential');
    await c.getData(p + '0000000000').catch(() => undefined);
    expect(lines).toContain(`create -e -s ${p} "hi"`);
    expect(lines.some((l) => l.startsWith('get '))).toBe(true);
    expect(lines[0]).toBe(`connect ${zkConnect()}`);
  });
});
