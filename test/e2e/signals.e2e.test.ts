import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { FakeServer } from '../harness/fake-servers.js';
import { proxyToServer, stopProxies } from '../harness/fault-proxy.js';
import { sleep, uniquePath } from '../harness/zk.js';

// Safety nets only (< 2 s, where these states took 6-28 s before): the latencies themselves are measured by
// `npm run bench -- hostile` (docs/BENCHMARKS.md).
const BOUND_MS = 2000;
const runs: CliRun[] = [];
const fakes: FakeServer[] = [];

afterEach(async () => {
  await stopAll(runs);
  await stopProxies();
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

function start(args: string[], server?: string): CliRun {
  const run = spawnCli(args, server ? { server } : {});
  runs.push(run);
  return run;
}

describe.each([
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const)('%s is answered at once in every state', (stopSignal, interrupted) => {
  async function sigtermTime(run: CliRun): Promise<{ ms: number; code: number }> {
    expect(run.running).toBe(true);
    const started = Date.now();
    run.signal(stopSignal);
    const code = await run.exited;
    return { ms: Date.now() - started, code };
  }

  it('while connecting to a silent host (a holder, with a 30 s connect timeout)', async () => {
    const silent = await new FakeServer('silent').start();
    fakes.push(silent);
    const run = start(['claim', uniquePath('c'), '--connect-timeout', '30000'], silent.address);
    await sleep(800);
    const { ms, code } = await sigtermTime(run);
    expect(code).toBe(interrupted);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('in the reconnect loop of config watch, after the session was lost', async () => {
    const proxy = await proxyToServer();
    const run = start(['config', 'watch', uniquePath('w'), '--session-timeout', '1500', '--connect-timeout', '1000'], proxy.connectString);
    await run.waitForLine(/does not exist|initial/, 10_000);
    proxy.setMode('refuse');
    await run.waitForLine(/still trying/, 15_000, 'stderr');
    await sleep(300);
    const { ms, code } = await sigtermTime(run);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('while elect campaigns again after its session was lost', async () => {
    const proxy = await proxyToServer();
    const run = start(['elect', uniquePath('e'), 'x', '--session-timeout', '1500', '--connect-timeout', '1000'], proxy.connectString);
    await run.waitForLine(/^leader x/, 10_000);
    proxy.setMode('refuse');
    await run.waitForLine(/taking it again with a new session/, 15_000, 'stderr');
    await sleep(500);
    const { ms, code } = await sigtermTime(run);
    expect(code).toBe(interrupted);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('while waiting for a lock another process holds', async () => {
    const path = uniquePath('l');
    const holder = start(['lock', path]);
    await holder.waitForLine(/acquired/, 10_000);
    const waiter = start(['lock', path]);
    await waiter.waitForLine(/waiting for lock/, 10_000, 'stderr');
    const { ms, code } = await sigtermTime(waiter);
    expect(code).toBe(interrupted);
    expect(ms).toBeLessThan(BOUND_MS);
    expect(holder.running).toBe(true);
  });
});
