import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launchEnsemble, stopNodeAndWait, type LaunchedEnsemble } from '../../src/server/launcher.js';
import { fourLetterWord, parseSrvr } from '../../src/zk/four-letter.js';
import { ZkClient } from '../../src/zk/index.js';
import { runCli, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { FaultProxy } from '../harness/fault-proxy.js';
import { closeClients, newClient, uniquePath, zkConnect } from '../harness/zk.js';

const SYNC = 9;
const proxies: FaultProxy[] = [];
const running: CliRun[] = [];
async function proxy(port = Number(zkConnect().split(':')[1])): Promise<FaultProxy> {
  const p = await new FaultProxy(port).start();
  proxies.push(p);
  return p;
}

afterEach(async () => {
  await stopAll(running);
  await closeClients();
  await Promise.all(proxies.splice(0).map((p) => p.stop()));
});

/** Each read command with --sync, and the path its SYNC names. */
function commands(path: string, base: string): Array<{ args: string[]; synced: string; watch?: RegExp }> {
  return [
    { args: ['config', 'get', path], synced: path },
    { args: ['ls', base], synced: base },
    { args: ['discover', 'api', '--base', base], synced: `${base}/api` },
    { args: ['discover', '--base', base], synced: base },
    { args: ['config', 'watch', path], synced: path, watch: /^initial/ },
  ];
}

async function runOne(args: string[], server: string, watch?: RegExp): Promise<{ stdout: string; stderr: string }> {
  if (!watch) {
    const r = await runCli(args, { server });
    expect(r.code, r.stderr).toBe(0);
    return r;
  }
  const run = spawnCli(args, { server });
  running.push(run);
  const line = await run.waitForLine(watch);
  run.signal('SIGTERM');
  await run.exited;
  return { stdout: line, stderr: run.stderr.join('\n') };
}

describe('--sync', () => {
  it('sends exactly one real SYNC (opcode 9) before the read, traced as "sync <path>"; none without it', async () => {
    const c = await newClient();
    const base = uniquePath('sync');
    const path = `${base}/value`;
    await c.mkdirp(`${base}/api`);
    await c.create(path, Buffer.from('v1'));
    const p = await proxy();
    p.countRequests();
    for (const { args, synced, watch } of commands(path, base)) {
      p.requests.clear();
      const plain = await runOne(['--trace', ...args], p.connectString, watch);
      expect(p.requests.get(SYNC) ?? 0, args.join(' ')).toBe(0);
      expect(plain.stderr).not.toMatch(/\[zk\] sync /);
      p.requests.clear();
      const synced1 = await runOne(['--trace', ...args, '--sync'], p.connectString, watch);
      expect(p.requests.get(SYNC), args.join(' ')).toBe(1);
      const trace = synced1.stderr.split('\n').filter((l) => l.startsWith('[zk] '));
      // The sync comes first, before any read.
      expect(trace[1], args.join(' ')).toBe(`[zk] sync ${synced}`);
      expect(synced1.stdout).toBe(plain.stdout);
    }
  });

  it('through a follower of a 3-node ensemble: each command reads the write just made on the leader', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zk-coord-sync-e2e-'));
    let ensemble: LaunchedEnsemble | undefined;
    try {
      ensemble = await launchEnsemble({ size: 3, baseDir: dir, tickTimeMs: 500, ownerPid: process.pid });
      const modes = await Promise.all(ensemble.nodes.map(async (n) => ({ port: n.clientPort, mode: parseSrvr(await fourLetterWord('127.0.0.1', n.clientPort, 'srvr'))?.mode })));
      const leader = modes.find((m) => m.mode === 'leader')!;
      const follower = modes.find((m) => m.mode === 'follower')!;
      const p = await proxy(follower.port);
      p.countRequests();
      const writer = await ZkClient.connect({ connectString: `127.0.0.1:${leader.port}` });
      try {
        const base = uniquePath('ens');
        for (let round = 0; round < 2; round += 1) {
          const value = `v${round}`;
          await writer.mkdirp(`${base}/api`);
          await writer.create(`${base}/value-${round}`, Buffer.from(value));
          const instance = { name: 'api', id: `i${round}`, address: '127.0.0.1', port: 8000 + round, registrationTimeUTC: 1, serviceType: 'DYNAMIC' };
          await writer.create(`${base}/api/i${round}`, Buffer.from(JSON.stringify(instance)));
          p.requests.clear();
          expect((await runOne(['config', 'get', `${base}/value-${round}`, '--sync'], p.connectString)).stdout).toBe(value);
          expect((await runOne(['ls', `${base}/api`, '--sync'], p.connectString)).stdout.split('\n')).toContain(`i${round}`);
          expect((await runOne(['discover', 'api', '--base', base, '--sync'], p.connectString)).stdout).toContain(`127.0.0.1:${8000 + round}  i${round}`);
          expect((await runOne(['config', 'watch', `${base}/value-${round}`, '--sync'], p.connectString, /^initial/)).stdout).toContain(value);
          expect(p.requests.get(SYNC)).toBe(4);
        }
      } finally {
        await writer.close();
      }
    } finally {
      for (const node of ensemble?.nodes ?? []) await stopNodeAndWait(node);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
