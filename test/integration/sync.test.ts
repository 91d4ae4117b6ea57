import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { launchEnsemble, stopNodeAndWait, type LaunchedEnsemble } from '../../src/server/launcher.js';
import { fourLetterWord, parseSrvr } from '../../src/zk/four-letter.js';
import { ZkClient, ZkTimeoutError } from '../../src/zk/index.js';
import { proxyToServer, stopProxies, type FaultProxy } from '../harness/fault-proxy.js';
import { closeClients, newClient, uniquePath, zkConnect } from '../harness/zk.js';

const SYNC = 9;
const proxy = (port?: number): Promise<FaultProxy> => proxyToServer(port);

afterEach(async () => {
  await closeClients();
  await stopProxies();
});

describe('sync', () => {
  it('sends one SYNC request (opcode 9) per call, traced as zkCli spells it, and the session carries on', async () => {
    const p = await proxy();
    const traced: string[] = [];
    const c = await newClient({ connectString: p.connectString, onTrace: (line) => traced.push(line) });
    const path = uniquePath('sync');
    await c.create(path, Buffer.from('v1'));
    p.countRequests();
    await c.sync(path);
    await c.sync('/');
    expect(p.requests.get(SYNC)).toBe(2);
    expect(traced).toContain(`sync ${path}`);
    // The reply was decoded without dropping the socket: the same connection answers the next request.
    expect((await c.getData(path)).data.toString()).toBe('v1');
    expect(c.state).toBe('connected');
  });

  it('works under a chroot', async () => {
    const c = await newClient();
    const root = uniquePath('chroot');
    await c.create(root);
    const chrooted = await newClient({ connectString: `${zkConnect()}${root}` });
    await chrooted.sync('/');
    await chrooted.create('/inside');
    expect(await c.exists(`${root}/inside`)).not.toBeNull();
  });

  it('has a deadline: through a silent partition it fails with a timeout instead of hanging', async () => {
    const p = await proxy();
    const c = await newClient({ connectString: p.connectString, requestTimeoutMs: 800, sessionTimeoutMs: 4000 });
    p.setMode('blackhole');
    const started = Date.now();
    await expect(c.sync('/')).rejects.toBeInstanceOf(ZkTimeoutError);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe('sync on a 3-node ensemble', () => {
  let ensemble: LaunchedEnsemble | undefined;
  let base: string | undefined;
  afterAll(async () => {
    for (const node of ensemble?.nodes ?? []) await stopNodeAndWait(node);
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('through a follower: a write made on the leader is read after sync', async () => {
    base = mkdtempSync(join(tmpdir(), 'zk-coord-sync-'));
    ensemble = await launchEnsemble({ size: 3, baseDir: base, tickTimeMs: 500, ownerPid: process.pid });
    const modes = await Promise.all(
      ensemble.nodes.map(async (n) => ({ port: n.clientPort, mode: parseSrvr(await fourLetterWord('127.0.0.1', n.clientPort, 'srvr'))?.mode })),
    );
    const leader = modes.find((m) => m.mode === 'leader');
    const follower = modes.find((m) => m.mode === 'follower');
    expect(leader && follower).toBeTruthy();
    const p = await proxy(follower?.port);
    const writer = await ZkClient.connect({ connectString: `127.0.0.1:${leader?.port}` });
    const reader = await ZkClient.connect({ connectString: p.connectString });
    try {
      const path = uniquePath('ensemble-sync');
      p.countRequests();
      for (let i = 0; i < 20; i += 1) {
        await writer.create(`${path}-${i}`, Buffer.from(String(i)));
        await reader.sync(`${path}-${i}`);
        expect((await reader.getData(`${path}-${i}`)).data.toString()).toBe(String(i));
      }
      expect(p.requests.get(SYNC)).toBe(20);
    } finally {
      await writer.close();
      await reader.close();
    }
  }, 90_000);
});
