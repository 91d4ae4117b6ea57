import { afterEach, describe, expect, it } from 'vitest';
import {
  BadArgumentsError,
  BadVersionError,
  DEFAULT_MAX_REQUEST_BYTES,
  MultiOpError,
  NodeExistsError,
  TransactionTooLargeError,
  multi,
  multiRequestBytes,
  packTransactions,
  type MultiOp,
} from '../../src/zk/index.js';
import { closeClients, newClient, uniquePath, zkConnect } from '../harness/zk.js';

afterEach(closeClients);

describe('multi (our own MULTI request)', () => {
  it('applies create, setData, check and delete atomically and returns typed per-op results', async () => {
    const c = await newClient();
    const p = uniquePath('multi');
    await c.create(`${p}-gone`);
    const results = await multi(c, [
      { type: 'create', path: p, data: Buffer.from('a') },
      { type: 'create', path: `${p}/seq-`, mode: 'persistent-sequential' },
      { type: 'setData', path: p, data: Buffer.from('b'), version: 0 },
      { type: 'check', path: p, version: 1 },
      { type: 'delete', path: `${p}-gone`, version: 0 },
    ]);
    expect(results.map((r) => r.type)).toEqual(['create', 'create', 'setData', 'check', 'delete']);
    expect(results[1]).toMatchObject({ type: 'create', created: `${p}/seq-0000000000` });
    expect(results[2]).toMatchObject({ type: 'setData', path: p, stat: { version: 1 } });
    expect((await c.getData(p)).data.toString()).toBe('b');
    expect(await c.exists(`${p}-gone`)).toBeNull();
  });

  it('honours version 0: a check or setData at version 0 on a node at version 1 fails, and nothing is applied (library bug #67)', async () => {
    const c = await newClient();
    const p = uniquePath('v0');
    await c.create(p, Buffer.from('v0'));
    await c.setData(p, Buffer.from('v1'));
    for (const conflicting of [{ type: 'check', path: p, version: 0 }, { type: 'setData', path: p, data: Buffer.from('lost'), version: 0 }] as MultiOp[]) {
      const error = await multi(c, [{ type: 'create', path: `${p}/new` }, conflicting, { type: 'delete', path: p, version: -1 }]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MultiOpError);
      const failure = error as MultiOpError;
      expect(failure.index).toBe(1);
      expect(failure.op).toEqual(conflicting);
      expect(failure.failure).toBeInstanceOf(BadVersionError);
      expect(failure.codes).toEqual([0, -103, -2]);
      expect(await c.exists(`${p}/new`)).toBeNull();
      expect((await c.getData(p)).data.toString()).toBe('v1');
    }
  });

  it('names the failing operation for other errors (node exists) and keeps the session usable', async () => {
    const c = await newClient();
    const p = uniquePath('exists');
    await c.create(p);
    const error = (await multi(c, [{ type: 'check', path: p, version: 0 }, { type: 'create', path: p }]).catch((e: unknown) => e)) as MultiOpError;
    expect(error.index).toBe(1);
    expect(error.failure).toBeInstanceOf(NodeExistsError);
    expect(error.message).toContain(`operation 2 of 2 (create ${p})`);
    expect(await c.exists(p)).not.toBeNull();
  });

  it('refuses a transaction over jute.maxbuffer before sending it; the server takes one at exactly the limit', async () => {
    const c = await newClient();
    const p = uniquePath('size');
    const fixed = multiRequestBytes([{ type: 'create', path: p, data: Buffer.alloc(0) }]);
    const atLimit: MultiOp[] = [{ type: 'create', path: p, data: Buffer.alloc(DEFAULT_MAX_REQUEST_BYTES - fixed) }];
    const over: MultiOp[] = [{ type: 'create', path: p, data: Buffer.alloc(DEFAULT_MAX_REQUEST_BYTES - fixed + 1) }];
    expect(multiRequestBytes(atLimit)).toBe(DEFAULT_MAX_REQUEST_BYTES);
    const session = c.sessionId;
    const refused = await multi(c, over).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TransactionTooLargeError);
    expect((refused as TransactionTooLargeError).bytes).toBe(DEFAULT_MAX_REQUEST_BYTES + 1);
    expect(c.state).toBe('connected');
    await multi(c, atLimit);
    expect((await c.exists(p))?.dataLength).toBe(DEFAULT_MAX_REQUEST_BYTES - fixed);
    expect(c.sessionId).toBe(session);
  });

  it('packs operations into transactions under a limit, in order', () => {
    const ops: MultiOp[] = Array.from({ length: 50 }, (_, i) => ({ type: 'create', path: `/p/${i}`, data: Buffer.alloc(100) }));
    const batches = packTransactions(ops, 1200);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(ops);
    for (const batch of batches) expect(multiRequestBytes(batch)).toBeLessThanOrEqual(1200);
  });

  it('rejects bad paths and versions before sending, and works under a chroot', async () => {
    const c = await newClient();
    await expect(multi(c, [{ type: 'check', path: '/x/', version: 0 }])).rejects.toBeInstanceOf(BadArgumentsError);
    await expect(multi(c, [{ type: 'check', path: '/x', version: -2 }])).rejects.toBeInstanceOf(BadArgumentsError);
    const root = uniquePath('chroot');
    await c.create(root);
    const chrooted = await newClient({ connectString: `${zkConnect()}${root}` });
    const [created] = await multi(chrooted, [{ type: 'create', path: '/inside', data: Buffer.from('x') }]);
    expect(created).toMatchObject({ type: 'create', created: '/inside' });
    expect((await c.getData(`${root}/inside`)).data.toString()).toBe('x');
  });
});
