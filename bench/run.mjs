// zk-coord benchmarks: speed and memory goals live here, not in timed tests. Starts its own ZooKeeper
// (tickTime 2000, ZooKeeper's default) on a free loopback port and stops it at the end.
//   npm run bench                 all of them
//   npm run bench -- get failover only some (get, idle, claim, failover, herd)
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CliProcess } from '../dist/process/cli-process.js';
import { launchEnsemble, stopNodeAndWait } from '../dist/server/launcher.js';
import { build } from 'esbuild';
import { claimLowestFreeId, SequentialContender, ZkClient } from '../dist/index.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/zk-coord.cjs', import.meta.url));
const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';
const wanted = new Set(process.argv.slice(2));
const want = (name) => wanted.size === 0 || wanted.has(name);

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const ms = (v) => `${v.toFixed(1)} ms`;
const sleep = (t) => new Promise((r) => setTimeout(r, t));

/** bench/library-floor/get.cjs bundled like our CLI and placed where a copy of our bin loads it (with the code cache). */
async function buildLibraryFloor() {
  const dir = join(base, 'library-floor');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  await build({
    entryPoints: [fileURLToPath(new URL('library-floor/get.cjs', import.meta.url))],
    outfile: join(dir, 'dist', 'cli', 'zk-coord.cjs'),
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    conditions: [],
    logLevel: 'warning',
  });
  copyFileSync(BIN, join(dir, 'bin', 'zk-coord.cjs'));
  return join(dir, 'bin', 'zk-coord.cjs');
}

/** Wall time of one run, in ms. */
async function timeOnce(file, args, env = process.env) {
  const started = process.hrtime.bigint();
  await run(file, args, { env });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function timeCommand(file, args, runs, env = process.env) {
  const times = [];
  for (let i = 0; i < runs; i += 1) times.push(await timeOnce(file, args, env));
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

function procStats(pid) {
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMb: rss, cpuMs: ticks * 10 };
}

const base = mkdtempSync(join(tmpdir(), 'zk-coord-bench-'));
const ensemble = await launchEnsemble({ size: 1, baseDir: base, tickTimeMs: 2000, ownerPid: process.pid });
const server = ensemble.connectString;
const env = { ...process.env, ZK_COORD_SERVER: server, NO_COLOR: '1' };
const results = {};
console.log(`ZooKeeper ${server} (tickTime 2000); node ${process.version}; ${new Date().toISOString()}\n`);

try {
  if (want('get')) {
    const setup = await ZkClient.connect({ connectString: server });
    await setup.create('/bench-get', Buffer.from('db_host=localhost;db_port=5432')).catch(() => undefined);
    await setup.close();
    const runs = 30;
    await timeCommand(process.execPath, [BIN, 'config', 'get', '/bench-get'], 3, env); // warm the page cache
    // Interleaved, so a slow spell of the machine (a VM's neighbours) weighs on both sides alike.
    // What no Node ZooKeeper client can beat: a TCP connect, a bare ConnectRequest, its answer, and exit.
    const [, port] = server.split(':');
    const handshake = `const s=require('net').connect(${port},'127.0.0.1',()=>{const b=Buffer.alloc(48);b.writeInt32BE(44,0);b.writeInt32BE(10000,20);b.writeInt32BE(16,28);s.write(b)});s.once('data',()=>s.destroy())`;
    const libraryBin = await buildLibraryFloor();
    const libraryEnv = { ...env, XDG_CACHE_HOME: join(base, 'library-floor-cache') };
    await timeCommand(process.execPath, [libraryBin, '/bench-get'], 3, libraryEnv);
    const floorTimes = [];
    const handshakeTimes = [];
    const libraryTimes = [];
    const ourTimes = [];
    for (let i = 0; i < runs; i += 1) {
      floorTimes.push(await timeOnce(process.execPath, ['-e', '0']));
      handshakeTimes.push(await timeOnce(process.execPath, ['-e', handshake]));
      libraryTimes.push(await timeOnce(process.execPath, [libraryBin, '/bench-get'], libraryEnv));
      ourTimes.push(await timeOnce(process.execPath, [BIN, 'config', 'get', '/bench-get'], env));
    }
    const summary = (times) => ({ p50: quantile(times, 0.5), p95: quantile(times, 0.95) });
    const floor = summary(floorTimes);
    const bare = summary(handshakeTimes);
    const library = summary(libraryTimes);
    const ours = summary(ourTimes);
    const zkcli = await timeCommand(ZKCLI, ['-server', server, 'get', '/bench-get'], 7);
    results.get = {
      nodeFloor: floor,
      bareHandshake: bare,
      libraryOnly: library,
      configGet: ours,
      zkCliGet: zkcli,
      ratioToFloor: ours.p50 / floor.p50,
      fasterThanZkCli: zkcli.p50 / ours.p50,
      bareHandshakeFasterThanZkCli: zkcli.p50 / bare.p50,
    };
    console.log('One-shot `config get` (wall time, p50 / p95; the first four interleaved)');
    console.log(`  node -e 0              ${ms(floor.p50)} / ${ms(floor.p95)}`);
    console.log(`  bare handshake         ${ms(bare.p50)} / ${ms(bare.p95)}   = ${(bare.p50 / floor.p50).toFixed(2)}x (node: TCP connect, ConnectRequest, its answer; no library)`);
    console.log(`  library only           ${ms(library.p50)} / ${ms(library.p95)}   = ${(library.p50 / floor.p50).toFixed(2)}x (bench/library-floor/get.cjs: node-zookeeper-client getData, bundled and cached as ours)`);
    console.log(`  zk-coord config get    ${ms(ours.p50)} / ${ms(ours.p95)}   = ${(ours.p50 / floor.p50).toFixed(2)}x the node floor (goal <= 1.3x)`);
    console.log(`  zkCli.sh get           ${ms(zkcli.p50)} / ${ms(zkcli.p95)}   zk-coord is ${(zkcli.p50 / ours.p50).toFixed(1)}x faster (goal >= 4x); the bare handshake ${(zkcli.p50 / bare.p50).toFixed(1)}x\n`);
  }

  if (want('idle')) {
    console.log('Idle holders (after 5 s settling, then 20 s of nothing happening)');
    results.idle = {};
    for (const [label, args] of [
      ['config set --ephemeral', ['config', 'set', '-e', '/bench-eph', 'x']],
      ['config watch', ['config', 'watch', '/bench-get']],
      ['elect (idle candidate)', ['elect', '/bench-idle-election', 'idle']],
    ]) {
      const proc = new CliProcess(args, env);
      // Start-up's own JIT and GC work goes on for a few seconds: let it settle before measuring.
      await sleep(5000);
      const before = procStats(proc.pid);
      await sleep(20_000);
      const after = procStats(proc.pid);
      proc.signal('SIGTERM');
      await proc.exited;
      results.idle[label] = { rssMb: after.rssMb, cpuMsPer20s: after.cpuMs - before.cpuMs };
      console.log(`  ${label.padEnd(24)} RSS ${after.rssMb.toFixed(1)} MB (goal <= 60), CPU ${after.cpuMs - before.cpuMs} ms in 20 s (10 ms resolution)`);
    }
    console.log();
  }

  if (want('claim')) {
    const count = 200;
    let requests = 0;
    const clients = await Promise.all(
      Array.from({ length: count }, () => ZkClient.connect({ connectString: server, onTrace: () => (requests += 1) })),
    );
    const connectRequests = requests;
    const started = process.hrtime.bigint();
    const claims = await Promise.all(clients.map((c) => claimLowestFreeId(c, { parent: '/bench-sequence', data: Buffer.from('b') })));
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    const ids = claims.map((c) => c.id).sort((a, b) => a - b);
    const dense = ids.every((id, i) => id === i + 1);
    const perClaim = (requests - connectRequests) / count;
    await Promise.all(clients.map((c) => c.close()));
    results.claim = { claimers: count, allClaimedMs: elapsed, requestsPerClaim: perClaim, dense };
    console.log(`${count} claimers at once (in one process, one session each)`);
    console.log(`  all claimed in ${ms(elapsed)}; ${perClaim.toFixed(1)} ZooKeeper requests per claim; IDs exactly 1..${count}: ${dense}\n`);
  }

  if (want('failover')) {
    console.log('Failover: from the signal to the next candidate printing its leader line');
    results.failover = {};
    for (const candidates of [3, 20]) {
      const trials = [];
      for (let t = 0; t < 20; t += 1) {
        const path = `/bench-failover-${candidates}-${t}`;
        const procs = [];
        const leader = new CliProcess(['elect', path, 'c0'], env);
        await leader.waitForLine(/^leader /);
        procs.push(leader);
        for (let i = 1; i < candidates; i += 1) {
          const p = new CliProcess(['elect', path, `c${i}`], env);
          await p.waitForLine(/^following /, 15_000, 'stderr');
          procs.push(p);
        }
        const sent = process.hrtime.bigint();
        leader.signal('SIGTERM');
        await procs[1].waitForLine(/^leader /);
        trials.push(Number(process.hrtime.bigint() - sent) / 1e6);
        for (const p of procs) p.signal('SIGTERM');
        await Promise.all(procs.map((p) => p.exited));
      }
      results.failover[`sigterm${candidates}`] = { p50: quantile(trials, 0.5), p95: quantile(trials, 0.95) };
      console.log(`  SIGTERM, ${String(candidates).padStart(2)} candidates, 20 trials: p50 ${ms(quantile(trials, 0.5))}, p95 ${ms(quantile(trials, 0.95))} (goal p95 <= 100 ms)`);
    }
    const kills = [];
    for (let t = 0; t < 5; t += 1) {
      const path = `/bench-kill-${t}`;
      const leader = new CliProcess(['--session-timeout', '4000', 'elect', path, 'a'], env);
      await leader.waitForLine(/^leader /);
      const next = new CliProcess(['elect', path, 'b'], env);
      await next.waitForLine(/^following /, 15_000, 'stderr');
      const sent = process.hrtime.bigint();
      leader.signal('SIGKILL');
      await next.waitForLine(/^leader /, 30_000);
      kills.push(Number(process.hrtime.bigint() - sent) / 1e6);
      next.signal('SIGTERM');
      await next.exited;
    }
    results.failover.sigkill = { sessionTimeoutMs: 4000, p50: quantile(kills, 0.5), max: Math.max(...kills) };
    console.log(`  SIGKILL, session 4000 ms, tick 2000 ms, 5 trials: p50 ${ms(quantile(kills, 0.5))}, max ${ms(Math.max(...kills))} (goal <= 4000 + 2000 + 500 ms)\n`);
  }

  if (want('herd')) {
    const candidates = 50;
    const path = '/bench-herd';
    const listings = new Map();
    const clients = [];
    const contenders = [];
    for (let i = 0; i < candidates; i += 1) {
      const c = await ZkClient.connect({ connectString: server, onTrace: (l) => l === `ls ${path}` && listings.set(i, (listings.get(i) ?? 0) + 1) });
      const k = new SequentialContender(c, { parent: path, prefix: 'candidate-', data: Buffer.from(`c${i}`) });
      await k.enter();
      clients.push(c);
      contenders.push(k);
    }
    const turns = contenders.map((k) => k.awaitTurn({}).catch(() => undefined));
    await turns[0];
    await sleep(500);
    const woken = [];
    for (let change = 0; change < 5; change += 1) {
      const before = new Map(listings);
      await contenders[change].leave();
      await turns[change + 1];
      await sleep(300);
      woken.push([...listings].filter(([i, n]) => n > (before.get(i) ?? 0)).length);
    }
    await Promise.all(clients.map((c) => c.close()));
    results.herd = { candidates, wokenPerChange: woken };
    console.log(`Herd: waiters woken per leader change at ${candidates} candidates, 5 changes: ${woken.join(', ')} (goal: exactly 1)\n`);
  }
} finally {
  for (const node of ensemble.nodes) await stopNodeAndWait(node);
  rmSync(base, { recursive: true, force: true });
}
console.log(JSON.stringify(results, null, 1).length < 4000 ? `JSON: ${JSON.stringify(results)}` : '');
