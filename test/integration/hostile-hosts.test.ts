import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectFailedError, ZkClient } from '../../src/zk/index.js';
import { FakeServer, MISBEHAVIOURS, type Misbehaviour } from '../harness/fake-servers.js';
import { proxyToServer, stopProxies } from '../harness/fault-proxy.js';
import { waitFor, zkConnect } from '../harness/zk.js';

const fakes = new Map<Misbehaviour, FakeServer>();

beforeAll(async () => {
  for (const behaviour of [...MISBEHAVIOURS, 'refuse'] as const) fakes.set(behaviour, await new FakeServer(behaviour).start());
});

afterAll(async () => {
  await Promise.all([...fakes.values()].map((f) => f.stop()));
});

const address = (b: Misbehaviour): string => fakes.get(b)!.address;

async function connectVia(hosts: string[], connectTimeoutMs: number): Promise<{ client: ZkClient; failed: [string, string][] }> {
  const failed: [string, string][] = [];
  const client = await ZkClient.connect({
    connectString: hosts.join(','),
    sessionTimeoutMs: 4000,
    connectTimeoutMs,
    onHostFailed: (server, why) => failed.push([server, why]),
  });
  return { client, failed };
}

describe('hostile hosts in the connection string', () => {
  // The library shuffles the hosts, so each position is exercised by the repetitions; the bad host is also
  // put in each position of the string itself. Healthy is always last.
  for (const behaviour of MISBEHAVIOURS) {
    it(`a ${behaviour} host never keeps the healthy one from winning (3 hosts, 2 reps)`, async () => {
      const healthy = zkConnect();
      const strings = [
        [address(behaviour), address('close'), healthy],
        [address('close'), address(behaviour), healthy],
        [address(behaviour), address(behaviour === 'silent' ? 'huge-length' : 'silent'), healthy],
      ];
      for (let rep = 0; rep < 2; rep += 1) {
        for (const hosts of strings) {
          const started = Date.now();
          const { client, failed } = await connectVia(hosts, 6000);
          try {
            expect(client.state).toBe('connected');
            expect(client.server).toBe(healthy);
            // Two bad hosts at ≤ 6000/3 ms each, and the healthy one: well inside the deadline.
            expect(Date.now() - started).toBeLessThan(5500);
            // Every abandoned host was named with a reason, and the healthy one never.
            for (const [server, why] of failed) {
              expect(server).not.toBe(healthy);
              expect(why.length).toBeGreaterThan(0);
            }
            await client.exists('/');
          } finally {
            await client.close();
          }
        }
      }
    });
  }

  it('on a reconnect too, a silent host costs only its share: the session survives a cut of the healthy one', async () => {
    const proxy = await proxyToServer();
    try {
      const states: string[] = [];
      const client = await ZkClient.connect({ connectString: `${address('silent')},${proxy.connectString}`, sessionTimeoutMs: 4000, connectTimeoutMs: 6000 });
      try {
        client.on('state', (e) => states.push(e.state));
        const session = client.sessionIdHex;
        expect(client.server).toBe(proxy.connectString);
        // Cut the healthy host: the reconnect goes through the silent one (a share of 4000 / 2 ms at most).
        proxy.setMode('refuse');
        await new Promise((resolve) => setTimeout(resolve, 300));
        proxy.setMode('pass');
        const started = Date.now();
        await waitFor(() => client.state === 'connected' || undefined, 4000, 'reconnected');
        expect(Date.now() - started).toBeLessThan(3500);
        expect(client.sessionIdHex).toBe(session);
        expect(states).toContain('suspended');
        expect(states).not.toContain('lost');
        await client.exists('/');
      } finally {
        await client.close();
      }
    } finally {
      await stopProxies();
    }
  });

  it('a reconnect whose socket is accepted and then never answered (ZooKeeper 3.8 does that while starting) retries after an eighth of its share, not the whole share', async () => {
    const proxy = await proxyToServer();
    try {
      // One host: the share is 2/3 of the session timeout the server granted, the first handshake wait an
      // eighth of that (at least 1 s).
      const client = await ZkClient.connect({ connectString: proxy.connectString, sessionTimeoutMs: 16_000, connectTimeoutMs: 6000 });
      try {
        const share = Math.floor((client.sessionTimeoutMs * 2) / 3);
        const firstWait = Math.max(1000, Math.floor(share / 8));
        expect(share).toBeGreaterThanOrEqual(6000);
        const session = client.sessionIdHex;
        const drops: string[] = [];
        client.on('socketDropped', ({ why }) => drops.push(why));
        proxy.setMode('refuse');
        await waitFor(() => client.state === 'suspended' || undefined, 5000, 'suspended');
        // The reconnect's socket goes through, its ConnectRequest does not: wedged once traffic passes again.
        proxy.setMode('blackhole');
        await waitFor(() => proxy.connections > 0 || undefined, 5000, 'a reconnect attempt');
        await new Promise((resolve) => setTimeout(resolve, 100));
        proxy.setMode('pass');
        const started = Date.now();
        await waitFor(() => client.state === 'connected' || undefined, 15_000, 'reconnected');
        // The wedged socket given up after its first wait (not the share), then a spin (at most 1 s) and a good
        // handshake.
        expect(drops).toEqual([`no handshake reply in ${firstWait} ms`]);
        expect(Date.now() - started).toBeLessThan(share - 1000);
        expect(client.sessionIdHex).toBe(session);
      } finally {
        await client.close();
      }
    } finally {
      await stopProxies();
    }
  });

  it('names each misbehaviour when every host misbehaves', async () => {
    const hosts = MISBEHAVIOURS.map(address);
    const error = await connectVia(hosts, 2400).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectFailedError);
    const errors = (error as ConnectFailedError).lastErrors;
    expect(errors[address('silent')]).toMatch(/no handshake reply/);
    expect(errors[address('garbage')]).toMatch(/garbage/);
    expect(errors[address('huge-length')]).toMatch(/announced a 2147483632-byte/);
    expect(errors[address('close')]).toMatch(/closed the connection/);
  });

  it('fails at once, with a hint, when every host refuses and failWhenRefused is set', async () => {
    const refused = address('refuse');
    const other = new FakeServer('refuse');
    await other.start();
    const started = Date.now();
    const error = await ZkClient.connect({ connectString: `${refused},${other.address}`, connectTimeoutMs: 10_000, failWhenRefused: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(ConnectFailedError);
    expect((error as ConnectFailedError).refused).toBe(true);
    expect((error as Error).message).toMatch(/ECONNREFUSED.*zk-coord server start.*-s\/--server.*ZK_COORD_SERVER/);
  });

  it('keeps trying a refusing host without failWhenRefused, and reports it at once', async () => {
    const failed: string[] = [];
    const started = Date.now();
    const error = await ZkClient.connect({
      connectString: address('refuse'),
      connectTimeoutMs: 1500,
      onHostFailed: (_server, why) => failed.push(why),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectFailedError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(failed[0]).toBe('ECONNREFUSED');
  });
});
