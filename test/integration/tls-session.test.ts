import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { restartNode, stopNodeAndWait } from '../../src/server/launcher.js';
import { ZkClient, type StateChangeEvent } from '../../src/zk/index.js';
import { FaultProxy } from '../harness/fault-proxy.js';
import { startTlsServer, type TlsServer } from '../harness/tls.js';
import { uniquePath, waitFor } from '../harness/zk.js';

// The session layer over TLS: restart, an ensemble member's death, and a partition through the fault
// proxy (TCP under TLS). A mutual-TLS standalone and a mutual-TLS ensemble of 3 for the whole file.
let standalone: TlsServer;
let ensemble: TlsServer;
const clients: ZkClient[] = [];
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  [standalone, ensemble] = await Promise.all([startTlsServer({ mutual: true }), startTlsServer({ mutual: true, size: 3 })]);
});
afterAll(async () => {
  await Promise.all([standalone?.stop(), ensemble?.stop()]);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(proxies.splice(0).map((p) => p.stop()));
});

async function connect(server: TlsServer, options: { connectString?: string; sessionTimeoutMs?: number } = {}): Promise<ZkClient> {
  const client = await ZkClient.connect({ connectString: options.connectString ?? server.connectString, sessionTimeoutMs: options.sessionTimeoutMs ?? 8000, connectTimeoutMs: 20_000, tls: server.tls });
  clients.push(client);
  return client;
}

function record(client: ZkClient): (StateChangeEvent & { at: number })[] {
  const events: (StateChangeEvent & { at: number })[] = [];
  client.on('state', (e) => events.push({ ...e, at: Date.now() }));
  return events;
}

describe('a session over TLS', () => {
  it('survives a server restart: same session, its ephemeral node kept, requests flow again', async () => {
    const client = await connect(standalone, { sessionTimeoutMs: 10_000 });
    const session = client.sessionId;
    const path = uniquePath('tls-restart');
    await client.create(path, Buffer.from('x'), 'ephemeral');
    const events = record(client);
    const node = standalone.ensemble.nodes[0]!;
    await stopNodeAndWait(node);
    await waitFor(() => client.state === 'suspended', 5000, 'suspended');
    standalone.ensemble.nodes[0] = await restartNode(node, [node], standalone.options);
    await waitFor(() => client.state === 'connected', 15_000, 'reconnected');
    expect(client.sessionId).toBe(session);
    expect((await client.exists(path))?.ephemeralOwner).toBe(session);
    expect(events.map((e) => e.state)).toEqual(['suspended', 'connected']);
  });

  it("survives the death of the ensemble member it is connected to: it moves to another, same session", async () => {
    const client = await connect(ensemble);
    const session = client.sessionId;
    const path = uniquePath('tls-member');
    await client.create(path, Buffer.from('x'), 'ephemeral');
    const before = client.server!;
    const victim = ensemble.ensemble.nodes.find((n) => before.endsWith(`:${n.secureClientPort}`))!;
    expect(victim).toBeDefined();
    await stopNodeAndWait(victim, 100);
    await waitFor(() => client.state === 'connected' && client.server !== before, 15_000, 'connected to another member');
    expect(client.sessionId).toBe(session);
    expect((await client.exists(path))?.ephemeralOwner).toBe(session);
    const index = ensemble.ensemble.nodes.indexOf(victim);
    ensemble.ensemble.nodes[index] = await restartNode(victim, ensemble.ensemble.nodes, ensemble.options);
  });

  it('a silent partition through the fault proxy is suspended within 2/3 of the timeout and lost at the timeout', async () => {
    const port = Number(standalone.connectString.split(':')[1]);
    const proxy = await new FaultProxy(port).start();
    proxies.push(proxy);
    const client = await connect(standalone, { connectString: proxy.connectString, sessionTimeoutMs: 3000 });
    const observer = await connect(standalone);
    const path = uniquePath('tls-partition');
    await client.create(path, Buffer.from('x'), 'ephemeral');
    const events = record(client);
    const cut = Date.now();
    proxy.setMode('blackhole');
    const lost = await waitFor(() => events.find((e) => e.state === 'lost'), 8000, 'lost');
    const suspended = events.find((e) => e.state === 'suspended');
    expect(suspended).toBeDefined();
    expect(suspended!.at - cut).toBeLessThan(2000 + 700);
    expect(lost.reason).toBe('timeout');
    expect(lost.at - cut).toBeGreaterThanOrEqual(2500);
    await waitFor(async () => (await observer.exists(path)) === null, 5000, 'ephemeral gone');
  });
});
