import { afterAll, describe, expect, it } from 'vitest';
import { BarrierMember } from '../../src/recipes/barrier/barrier.js';
import type { ZkClient } from '../../src/zk/index.js';
import { closeClients, newClient, uniquePath } from '../harness/zk.js';

afterAll(closeClients);

/** The two steps of an opening as the recipe takes them, reached from the test (they are private). */
interface Opening {
  readReady(): Promise<{ czxid: bigint; version: number } | undefined>;
  open(stale: unknown, round: ReadonlyArray<{ node: string }>): Promise<void>;
}
const opening = (member: BarrierMember): Opening => member as unknown as Opening;

async function readyCzxid(client: ZkClient, path: string): Promise<bigint | undefined> {
  return (await client.exists(`${path}/ready`))?.czxid;
}

describe('barrier: two openers of one round', () => {
  it('exactly one replaces a `ready` left by the round before, even when both looked before either wrote (every `ready` is at version 0)', async () => {
    const path = uniquePath('barrier-openers');
    const observer = await newClient();
    // Round one, of one member: its `ready` stays.
    const first = new BarrierMember(await newClient(), path, 1, Buffer.from('{"name":"first"}'));
    await first.enter();
    await first.leave();
    const stale = await opening(first).readReady();
    expect(stale).toBeDefined();

    // Opener B looks (the barrier node's version, then `ready`) before opener A writes...
    const clientB = await newClient();
    const barrierBefore = await clientB.getData(path);
    const b = new BarrierMember(clientB, path, 2, Buffer.from('{"name":"b"}'));
    const a = new BarrierMember(await newClient(), path, 2, Buffer.from('{"name":"a"}'));
    await opening(a).open(stale, []);
    const opened = await readyCzxid(observer, path);
    expect(opened).not.toBe(stale!.czxid);

    // ...and writes after it, with what it saw then: its transaction must fail, A's `ready` stay.
    const getData = clientB.getData.bind(clientB);
    clientB.getData = (async (p: string, w?: unknown) => (p === path ? barrierBefore : getData(p, w as never))) as typeof clientB.getData;
    opening(b).readReady = async () => stale;
    await opening(b).open(stale, []);
    expect(await readyCzxid(observer, path)).toBe(opened);

    // Without the stale view, B sees A's opening and leaves it alone.
    const c = new BarrierMember(await newClient(), path, 2, Buffer.from('{"name":"c"}'));
    await opening(c).open(stale, []);
    expect(await readyCzxid(observer, path)).toBe(opened);
  });
});
