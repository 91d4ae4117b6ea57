import { afterEach, describe, expect, it } from 'vitest';
import { SessionLostError, ZkClient, type StateChangeEvent } from '../../src/zk/index.js';
import { proxyToServer, stopProxies, type FaultProxy } from '../harness/fault-proxy.js';
import { closeClients, newClient, uniquePath, waitFor, sleep } from '../harness/zk.js';

const proxy = (): Promise<FaultProxy> => proxyToServer();

afterEach(async () => {
  await closeClients();
  await stopProxies();
});

function record(client: ZkClient): { events: (StateChangeEvent & { at: number })[] } {
  const log = { events: [] as (StateChangeEvent & { at: number })[] };
  client.on('state', (e) => log.events.push({ ...e, at: Date.now() }));
  return log;
}

describe('liveness through a fault proxy (the server keeps running)', () => {
  it('a silent partition is suspended within 2/3 of the session timeout and lost at the timeout', async () => {
    const p = await proxy();
    const c = await newClient({ connectString: p.connectString, sessionTimeoutMs: 3000 });
    expect(c.sessionTimeoutMs).toBe(3000);
    const observer = await newClient();
    const path = uniquePath('eph');
    await c.create(path, Buffer.from('x'), 'ephemeral');
    const log = record(c);
    const cut = Date.now();
    p.setMode('blackhole');
    const lost = await waitFor(() => log.events.find((e) => e.state === 'lost'), 8000, 'lost');
    const suspended = log.events.find((e) => e.state === 'suspended');
    expect(suspended).toBeDefined();
    // 2/3 × 3000 = 2000 ms, plus the watchdog period and scheduling slack.
    expect(suspended!.at - cut).toBeLessThan(2000 + 700);
    expect(lost.reason).toBe('timeout');
    expect(lost.at - cut).toBeGreaterThanOrEqual(2500);
    expect(lost.at - cut).toBeLessThan(3000 + 1000);
    // The server expired the session as well: the ephemeral node is gone for others.
    await waitFor(async () => (await observer.exists(path)) === null, 5000, 'ephemeral gone');
    // A request on the lost client fails at once with SessionLostError instead of hanging.
    await expect(c.getData('/')).rejects.toBeInstanceOf(SessionLostError);
  });

  it('a short outage keeps the session: same id, ephemeral kept, a request made meanwhile completes', async () => {
    const p = await proxy();
    const c = await newClient({ connectString: p.connectString, sessionTimeoutMs: 4000 });
    const session = c.sessionId;
    const path = uniquePath('eph');
    await c.create(path, Buffer.from('x'), 'ephemeral');
    const log = record(c);
    p.setMode('refuse');
    await waitFor(() => c.state === 'suspended', 3000, 'suspended');
    const pending = c.getData(path);
    await sleep(1000);
    p.setMode('pass');
    const { stat } = await pending;
    expect(stat.ephemeralOwner).toBe(session);
    expect(c.sessionId).toBe(session);
    expect(log.events.map((e) => e.state)).toEqual(['suspended', 'connected']);
  });

  it('an outage past the session timeout is lost locally, and the server confirms expiry on heal', async () => {
    const p = await proxy();
    const c = await newClient({ connectString: p.connectString, sessionTimeoutMs: 2000 });
    const log = record(c);
    p.setMode('refuse');
    const pending = c.exists('/').catch((e: unknown) => e);
    const lost = await waitFor(() => log.events.find((e) => e.state === 'lost'), 6000, 'lost');
    expect(lost.reason).toBe('timeout');
    expect(await pending).toBeInstanceOf(SessionLostError);
    p.setMode('pass');
    await sleep(500);
    // Dead for good: no reconnect after heal, no state change after lost.
    expect(log.events.map((e) => e.state)).toEqual(['suspended', 'lost']);
  });

  it('requests have deadlines: a silent server cannot hang a request forever', async () => {
    const p = await proxy();
    const c = await newClient({ connectString: p.connectString, sessionTimeoutMs: 6000, requestTimeoutMs: 800 });
    p.setMode('blackhole');
    const started = Date.now();
    const error = await c.getData('/').catch((e: unknown) => e);
    expect((error as Error).name).toBe('ZkTimeoutError');
    expect(Date.now() - started).toBeLessThan(2500);
  });
});
