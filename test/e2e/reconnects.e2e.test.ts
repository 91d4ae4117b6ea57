import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { proxyToServer, stopProxies } from '../harness/fault-proxy.js';
import { closeClients, newClient, uniquePath, waitFor } from '../harness/zk.js';

const runs: CliRun[] = [];

afterEach(async () => {
  await stopAll(runs);
  await stopProxies();
  await closeClients();
});

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
const reconnects = (run: CliRun): number => run.stderr.filter((l) => l.startsWith('reconnected to')).length;

describe('500 reconnects', () => {
  it('a watcher and a holder kept through 500 cut connections: no Node warning, no listener or memory growth', async () => {
    const proxy = await proxyToServer();
    // The same proxy 8 times: the library pauses up to 300 ms only after a round of every host, so most
    // reconnects are immediate and 500 of them take seconds, not minutes.
    const server = Array.from({ length: 8 }, () => proxy.connectString).join(',');
    const path = uniquePath('r');
    const watcher = spawnCli(['config', 'watch', path, '--session-timeout', '10000'], { server });
    const holder = spawnCli(['claim', uniquePath('rc'), '--session-timeout', '10000'], { server });
    runs.push(watcher, holder);
    await watcher.waitForLine(/does not exist|initial/, 10_000);
    await holder.waitForLine(/^\d+$/, 10_000);
    let rssAt50: [number, number] = [0, 0];
    for (let cut = 1; cut <= 500; cut += 1) {
      proxy.setMode('refuse');
      proxy.setMode('pass');
      await waitFor(() => reconnects(watcher) >= cut && reconnects(holder) >= cut, 10_000, `reconnect ${cut}`).catch((e: Error) => { throw new Error(`${e.message}\nwatcher: ${watcher.stderr.join("\n")}\nholder: ${holder.stderr.join("\n")}`); });
      if (cut === 50) rssAt50 = [rssMb(watcher.pid!), rssMb(holder.pid!)];
    }
    // Still watching the same session: a write after 500 cuts is reported.
    const c = await newClient();
    await c.create(path, Buffer.from('after 500'));
    await watcher.waitForLine(/after 500/, 10_000);
    const rss = [rssMb(watcher.pid!), rssMb(holder.pid!)];
    for (const run of [watcher, holder]) {
      expect(run.running).toBe(true);
      expect(run.stderr.join('\n')).not.toMatch(/Warning|MaxListeners|\(node:\d+\)/);
    }
    // Generous: a leak of one closure per reconnect holding a socket or a buffer shows as tens of MB.
    expect(rss[0]! - rssAt50[0]).toBeLessThan(15);
    expect(rss[1]! - rssAt50[1]).toBeLessThan(15);
    watcher.signal('SIGTERM');
    holder.signal('SIGTERM');
    expect(await watcher.exited).toBe(0);
    expect(await holder.exited).toBe(0);
  });
});
