import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, portIsFree } from '../../src/server/launcher.js';
import { runCli } from '../harness/cli.js';
import { closeClients, newClient, waitFor, zkConnect } from '../harness/zk.js';

let stateDir: string;
beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'zk-coord-state-'));
});
afterAll(async () => {
  await closeClients();
  // Whatever a failed test left running.
  await runCli(['server', 'stop', '--port', String(standalonePort)], { env: { ZK_COORD_STATE_DIR: stateDir } });
  await runCli(['server', 'stop', '--port', String(ensemblePort)], { env: { ZK_COORD_STATE_DIR: stateDir } });
  rmSync(stateDir, { recursive: true, force: true });
});

let standalonePort = 0;
let ensemblePort = 0;
const env = (): NodeJS.ProcessEnv => ({ ZK_COORD_STATE_DIR: stateDir });

/** Three consecutive free ports, for an ensemble's client ports (bounded tries). */
async function freeRun(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const p = await freePort();
    if (p < 65000 && (await portIsFree(p + 1)) && (await portIsFree(p + 2))) return p;
  }
  throw new Error('no three consecutive free ports');
}

describe('server start | status | stop', () => {
  it('round trip, standalone: start prints the connection string, a second start is refused, status shows it, stop stops it', async () => {
    standalonePort = await freePort();
    const start = await runCli(['server', 'start', '--port', String(standalonePort), '--tick-time', '500'], { env: env() });
    expect(start.code).toBe(0);
    expect(start.stdout).toBe(`127.0.0.1:${standalonePort}`);
    const again = await runCli(['server', 'start', '--port', String(standalonePort)], { env: env() });
    expect(again.code).toBe(6);
    expect(again.stderr).toContain('already runs');
    const status = await runCli(['server', 'status', '--port', String(standalonePort), '-o', 'json'], { env: env() });
    const parsed = JSON.parse(status.stdout) as { nodes: { mode: string; running: boolean; logFile: string }[] };
    expect(parsed.nodes).toHaveLength(1);
    expect(parsed.nodes[0]).toMatchObject({ mode: 'standalone', running: true });
    const set = await runCli(['config', 'set', '/hello', 'world'], { server: start.stdout });
    expect(set.code).toBe(0);
    const stop = await runCli(['server', 'stop', '--port', String(standalonePort)], { env: env() });
    expect(stop.code).toBe(0);
    expect((await runCli(['--connect-timeout', '500', 'config', 'get', '/hello'], { server: start.stdout })).code).toBe(3);
    expect((await runCli(['server', 'stop', '--port', String(standalonePort)], { env: env() })).code).toBe(5);
  });

  it('round trip, ensemble of 3: `status` names the leader and the followers, and our session', async () => {
    ensemblePort = await freeRun();
    let quorumPort = await freeRun();
    while (Math.abs(quorumPort - ensemblePort) < 3) quorumPort = await freeRun();
    const start = await runCli(['server', 'start', '--port', String(ensemblePort), '--ensemble', '3', '--tick-time', '500', '--quorum-port', String(quorumPort)], { env: env() });
    expect(start.code).toBe(0);
    expect(start.stderr).toContain(`quorum ports ${quorumPort},${quorumPort + 1},${quorumPort + 2}; election ports `);
    const servers = JSON.parse((await runCli(['server', 'status', '--port', String(ensemblePort), '-o', 'json'], { env: env() })).stdout) as { nodes: { quorumPort: number; electionPort: number }[] };
    expect(servers.nodes.map((n) => n.quorumPort)).toEqual([quorumPort, quorumPort + 1, quorumPort + 2]);
    expect(servers.nodes.every((n) => n.electionPort > 0)).toBe(true);
    const cs = start.stdout;
    expect(cs).toBe([0, 1, 2].map((i) => `127.0.0.1:${ensemblePort + i}`).join(','));
    const status = await runCli(['status', '-o', 'json'], { server: cs });
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as { servers: { mode: string; reachable: boolean }[]; session: { id: string; timeoutMs: number } };
    expect(report.servers.map((s) => s.mode).sort()).toEqual(['follower', 'follower', 'leader']);
    expect(report.session.id).toMatch(/^0x[0-9a-f]+$/);
    const text = await runCli(['status'], { server: cs });
    expect(text.stdout).toMatch(/leader/);
    expect(text.stdout.split('\n')).toHaveLength(5);
    expect(text.stdout.split('\n').at(-1)).toBe('ok: 3 of 3 up');
    // One of three down: degraded (9), yet a majority serves (--quorum: 0); the same string with two down: 8 even with --quorum (9).
    const [one, two] = [ensemblePort + 1, ensemblePort + 2];
    const down = `127.0.0.1:${ensemblePort},127.0.0.1:${one},127.0.0.1:1`;
    const degraded = await runCli(['status', '-o', 'json'], { server: down });
    expect(degraded.code).toBe(9);
    expect(JSON.parse(degraded.stdout)).toMatchObject({ health: 'degraded', up: 2, total: 3 });
    expect((await runCli(['status', '--quorum'], { server: down })).code).toBe(0);
    expect((await runCli(['status', '--quorum'], { server: `127.0.0.1:${two},127.0.0.1:1,127.0.0.1:2` })).code).toBe(9);
    expect((await runCli(['server', 'stop', '--port', String(ensemblePort)], { env: env() })).code).toBe(0);
  }, 90_000);

  it('refuses an even ensemble, saying why, before starting anything (exit 2)', async () => {
    const r = await runCli(['server', 'start', '--ensemble', '2', '--port', String(await freePort())], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('an ensemble of 2 tolerates no failure, no more than one of 1');
    expect(r.stderr).toContain('use 1 or 3');
  });

  it('--fresh wipes the data of the last server on the port; a process killed by hand leaves a stale state that stop forgets', async () => {
    const port = await freePort();
    const cs = `127.0.0.1:${port}`;
    expect((await runCli(['server', 'start', '--port', String(port), '--tick-time', '500'], { env: env() })).code).toBe(0);
    expect((await runCli(['config', 'set', '/kept', 'v'], { server: cs })).code).toBe(0);
    const state = JSON.parse((await runCli(['server', 'status', '--port', String(port), '-o', 'json'], { env: env() })).stdout) as { nodes: { pid: number }[] };
    // Killed behind zk-coord's back: the state file stays, naming processes that are gone.
    process.kill(-state.nodes[0]!.pid, 'SIGKILL');
    await waitFor(async () => JSON.parse((await runCli(['server', 'status', '--port', String(port), '-o', 'json'], { env: env() })).stdout).stale === true, 10_000, 'stale state');
    const status = await runCli(['server', 'status', '--port', String(port)], { env: env() });
    expect(status.stdout).toContain(`stopped: its processes are gone; zk-coord server stop --port ${port} forgets it`);
    // A start over a stale state needs no stop first, and keeps the data.
    expect((await runCli(['server', 'start', '--port', String(port), '--tick-time', '500'], { env: env() })).code).toBe(0);
    expect((await runCli(['config', 'get', '/kept'], { server: cs })).stdout).toBe('v');
    expect((await runCli(['server', 'stop', '--port', String(port)], { env: env() })).code).toBe(0);
    expect((await runCli(['server', 'start', '--port', String(port), '--tick-time', '500', '--fresh'], { env: env() })).code).toBe(0);
    expect((await runCli(['config', 'get', '/kept'], { server: cs })).code).toBe(5);
    const stateFile = await runCli(['server', 'status', '--port', String(port), '-o', 'json'], { env: env() });
    process.kill(-(JSON.parse(stateFile.stdout) as { nodes: { pid: number }[] }).nodes[0]!.pid, 'SIGKILL');
    await waitFor(async () => JSON.parse((await runCli(['server', 'status', '--port', String(port), '-o', 'json'], { env: env() })).stdout).stale === true, 10_000, 'stale state');
    const forget = await runCli(['server', 'stop', '--port', String(port)], { env: env() });
    expect(forget.code).toBe(0);
    expect(forget.stderr).toContain('was no longer running; forgot its state');
    expect((await runCli(['server', 'status', '--port', String(port)], { env: env() })).code).toBe(5);
  }, 90_000);

  it('refuses at once a port another program listens on (exit 6)', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const started = Date.now();
      const r = await runCli(['server', 'start', '--port', String(port)], { env: env() });
      expect(r.code).toBe(6);
      expect(r.stderr).toContain('in use by another program');
      expect(r.stderr).toMatch(/\(\d+ is free now: --port \d+\)/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      blocker.close();
    }
  });

  it('without ZooKeeper, Java or Docker: one line with the install commands, exit 3', async () => {
    const r = await runCli(['server', 'start', '--port', String(await freePort())], { env: { ...env(), PATH: '/nonexistent', JAVA_HOME: '', ZOOKEEPER_HOME: '' } });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: ZooKeeper is not installed: on Debian\/Ubuntu run `sudo apt-get install -y zookeeper`/);
  });

  it('status reports an unreachable host and exits 3 when no server answers', async () => {
    const r = await runCli(['status', '-o', 'json'], { server: '127.0.0.1:1' });
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as { servers: { reachable: boolean; note: string }[] };
    expect(report.servers[0]).toMatchObject({ reachable: false, note: 'ECONNREFUSED' });
  });
});

describe('demo', () => {
  it('plays every scenario end to end against a running server, exit 0, and leaves nothing behind', async () => {
    const r = await runCli(['demo', 'all', '-o', 'json']);
    expect(r.code).toBe(0);
    const steps = r.stdout.split('\n').map((l) => JSON.parse(l) as { kind: string; scenario?: string; ok?: boolean });
    expect(steps.filter((s) => s.kind === 'scenario')).toHaveLength(6);
    expect(steps.some((s) => s.kind === 'failed')).toBe(false);
    expect(steps.at(-1)).toMatchObject({ kind: 'done', ok: true });
    // Its own root (other tests' demos may run on the same server at the same time).
    const root = /\/zk-coord-demo-[0-9a-f]{8}/.exec(r.stdout)?.[0];
    expect(root).toBeDefined();
    const c = await newClient();
    expect(await c.exists(root!)).toBeNull();
  }, 120_000);

  it('starts (and stops) its own ZooKeeper when none answers', async () => {
    const r = await runCli(['demo', 'config'], { server: '127.0.0.1:1' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('starting a local one');
    expect(r.stdout).toContain('Every step behaved as narrated.');
    expect(zkConnect()).not.toBe('127.0.0.1:1');
  }, 120_000);
});
