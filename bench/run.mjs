// zk-coord benchmarks: speed and memory goals live here, not in timed tests. Starts its own ZooKeeper
// (tickTime 2000, ZooKeeper's default) on a free loopback port and stops it at the end.
//   npm run bench                 all of them but the two long ones (soak, margin)
//   npm run bench -- get failover only some (get, idle, claim, failover, herd, tls, import, tree, discovery, shell, standby,
//                                 queue, barrier, counter: bench/recipes.mjs)
//   BENCH_SET_PROCESSES=200 npm run bench -- import   fewer `config set` processes (default 1000)
//   npm run bench -- soak          the 10-minute exclusivity soak (soak.mjs: its own 3-node ensemble)
//   npm run bench -- margin        the supervision margin over blackhole runs (margin.mjs: its own server)
//   npm run bench -- hostile       hostile hosts (20 reps) and SIGTERM latency per state (hostile.mjs: its own server)
// Options after the names go to soak / margin (e.g. npm run bench -- soak --duration 60 --claims 6).
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CliProcess } from '../dist/process/cli-process.js';
import { freePort, launchEnsemble, stopNodeAndWait } from '../dist/server/launcher.js';
import { build } from 'esbuild';
import { claimLowestFreeId, fourLetterWord, multi, packTransactions, SequentialContender, ZkClient } from '../dist/index.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/zk-coord.cjs', import.meta.url));
const ZKCLI = process.env.ZOOKEEPER_HOME ? `${process.env.ZOOKEEPER_HOME}/bin/zkCli.sh` : '/usr/share/zookeeper/bin/zkCli.sh';
const argv = process.argv.slice(2);
const firstOption = argv.findIndex((a) => a.startsWith('--'));
const wanted = new Set(firstOption === -1 ? argv : argv.slice(0, firstOption));
const passed = firstOption === -1 ? [] : argv.slice(firstOption);
const want = (name) => wanted.size === 0 || wanted.has(name);

// The long ones start their own servers and run only when named; each exits non-zero on a failed goal.
const LONG = ['soak', 'margin', 'hostile'];
for (const name of LONG.filter((n) => wanted.has(n))) {
  const { main } = await import(`./${name}.mjs`);
  if (!(await main(passed))) process.exitCode = 1;
  wanted.delete(name);
}
if (LONG.some((n) => argv.includes(n)) && wanted.size === 0) process.exit();

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

  if (want('tls')) {
    // One more server, serving plain and mutual TLS from the same JVM, so the two differ only in transport.
    const tlsBase = join(base, 'tls');
    const secured = await launchEnsemble({ size: 1, baseDir: tlsBase, tickTimeMs: 2000, ownerPid: process.pid, tls: { mutual: true } });
    try {
      const plain = secured.connectString;
      const tlsServer = secured.secureConnectString;
      const m = secured.tls;
      const tls = { ca: readFileSync(m.caCert), cert: readFileSync(m.clientCert), key: readFileSync(m.clientKey) };
      const tlsEnv = { ...env, ZK_COORD_SERVER: tlsServer, ZK_COORD_TLS_CA: m.caCert, ZK_COORD_TLS_CERT: m.clientCert, ZK_COORD_TLS_KEY: m.clientKey };
      const plainEnv = { ...env, ZK_COORD_SERVER: plain };
      const setup = await ZkClient.connect({ connectString: plain });
      await setup.create('/bench-tls', Buffer.from('db_host=localhost;db_port=5432')).catch(() => undefined);
      await setup.close();
      const args = [BIN, 'config', 'get', '/bench-tls'];
      await timeCommand(process.execPath, args, 3, plainEnv);
      await timeCommand(process.execPath, args, 3, tlsEnv);
      const runs = 30;
      const plainTimes = [];
      const tlsTimes = [];
      const nodeTimes = [];
      for (let i = 0; i < runs; i += 1) {
        nodeTimes.push(await timeOnce(process.execPath, ['-e', '0']));
        plainTimes.push(await timeOnce(process.execPath, args, plainEnv));
        tlsTimes.push(await timeOnce(process.execPath, args, tlsEnv));
      }
      const summary = (times) => ({ p50: quantile(times, 0.5), p95: quantile(times, 0.95) });
      const getPlain = summary(plainTimes);
      const getTls = summary(tlsTimes);
      const nodeFloor = summary(nodeTimes);
      // Watch round trip: a write by one session until the watch of another fires, both on the same transport.
      const roundTrips = async (options) => {
        const watcher = await ZkClient.connect(options);
        const writer = await ZkClient.connect(options);
        const path = `/bench-watch-${options.tls ? 'tls' : 'plain'}`;
        await writer.create(path, Buffer.from('0')).catch(() => undefined);
        const watchTimes = [];
        const requestTimes = [];
        for (let i = 0; i < 230; i += 1) {
          const fired = new Promise((resolve) => void watcher.getData(path, () => resolve(process.hrtime.bigint())));
          await sleep(2);
          const sent = process.hrtime.bigint();
          await writer.setData(path, Buffer.from(String(i)));
          const at = await fired;
          const req = process.hrtime.bigint();
          await writer.exists(path);
          if (i >= 30) {
            watchTimes.push(Number(at - sent) / 1e6);
            requestTimes.push(Number(process.hrtime.bigint() - req) / 1e6);
          }
        }
        await Promise.all([watcher.close(), writer.close()]);
        return { watch: summary(watchTimes), request: summary(requestTimes) };
      };
      const rtPlain = await roundTrips({ connectString: plain });
      const rtTls = await roundTrips({ connectString: tlsServer, tls });
      results.tls = { nodeFloor, configGetPlain: getPlain, configGetTls: getTls, watchPlain: rtPlain.watch, watchTls: rtTls.watch, requestPlain: rtPlain.request, requestTls: rtTls.request };
      console.log('TLS vs plain (one server: plain clientPort and mutual-TLS secureClientPort; p50 / p95)');
      console.log(`  node -e 0               ${ms(nodeFloor.p50)} / ${ms(nodeFloor.p95)}`);
      console.log(`  config get, plain       ${ms(getPlain.p50)} / ${ms(getPlain.p95)}   (interleaved, ${runs} runs each)`);
      console.log(`  config get, mutual TLS  ${ms(getTls.p50)} / ${ms(getTls.p95)}   +${ms(getTls.p50 - getPlain.p50)} (node:tls, the handshake)`);
      console.log(`  watch round trip        plain ${ms(rtPlain.watch.p50)} / ${ms(rtPlain.watch.p95)}, TLS ${ms(rtTls.watch.p50)} / ${ms(rtTls.watch.p95)} (setData until the other session's watch fires, 200 samples)`);
      console.log(`  request round trip      plain ${ms(rtPlain.request.p50)} / ${ms(rtPlain.request.p95)}, TLS ${ms(rtTls.request.p50)} / ${ms(rtTls.request.p95)} (exists)\n`);
    } finally {
      for (const node of secured.nodes) await stopNodeAndWait(node);
    }
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

  if (want('import')) {
    const keys = 1000;
    const setProcesses = Number(process.env.BENCH_SET_PROCESSES ?? keys);
    const value = (i) => `value-${i}-db_host=localhost;db_port=5432`;
    const doc = { '': '' };
    for (let i = 0; i < keys; i += 1) doc[`key-${String(i).padStart(4, '0')}`] = value(i);
    delete doc[''];
    const file = join(base, 'import.json');
    writeFileSync(file, JSON.stringify(doc));
    await timeOnce(process.execPath, [BIN, 'config', 'import', '/bench-import-warm', file], env); // the bin's code cache for `config import`
    const importOnce = await timeOnce(process.execPath, [BIN, 'config', 'import', '/bench-import', file], env);
    const reimport = await timeOnce(process.execPath, [BIN, 'config', 'import', '/bench-import', file], env); // all unchanged: 1000 checks
    const started = process.hrtime.bigint();
    for (let i = 0; i < setProcesses; i += 1) {
      await run(process.execPath, [BIN, 'config', 'set', `/bench-set/key-${i}`, value(i), '-p'], { env });
    }
    const setMs = Number(process.hrtime.bigint() - started) / 1e6;
    const cmds = join(base, 'zkcli-cmds.txt');
    writeFileSync(cmds, ['create /bench-zkcli', ...Array.from({ length: keys }, (_, i) => `create /bench-zkcli/key-${i} "${value(i)}"`), 'quit', ''].join('\n'));
    const zkStarted = process.hrtime.bigint();
    await new Promise((resolve, reject) => {
      const child = spawn(ZKCLI, ['-server', server], { stdio: ['pipe', 'ignore', 'ignore'] });
      child.on('exit', resolve);
      child.on('error', reject);
      child.stdin.end(readFileSync(cmds));
    });
    const zkcliMs = Number(process.hrtime.bigint() - zkStarted) / 1e6;
    const check = await ZkClient.connect({ connectString: server });
    const counts = [
      (await check.getChildren('/bench-import')).children.length,
      (await check.getChildren('/bench-set')).children.length,
      (await check.getChildren('/bench-zkcli')).children.length,
    ];
    await check.close();
    const setTotal = (setMs / setProcesses) * keys;
    results.import = { keys, importMs: importOnce, reimportUnchangedMs: reimport, setProcesses, setMs, setPer1000Ms: setTotal, zkcliMs, counts };
    console.log(`Loading ${keys} keys (nodes written: import ${counts[0]}, config set ${counts[1]}, zkCli ${counts[2]})`);
    console.log(`  config import (one process, one transaction)   ${ms(importOnce)}`);
    console.log(`  config import again (nothing to change: ${keys} version checks, one transaction)   ${ms(reimport)}`);
    console.log(`  ${setProcesses} x config set (one process each, in a loop)   ${ms(setMs)}${setProcesses === keys ? '' : ` (${ms(setTotal)} for ${keys})`}: import is ${(setTotal / importOnce).toFixed(0)}x faster`);
    console.log(`  zkCli.sh, one process, ${keys} create commands on stdin   ${ms(zkcliMs)}: import is ${(zkcliMs / importOnce).toFixed(1)}x faster\n`);
  }

  if (want('tree')) {
    console.log('config watch -R: start-up, memory, watches held, event latency');
    results.tree = {};
    const [host, port] = server.split(':');
    // mntr's zk_watch_count counts data and child watches (wchs counts watched paths only).
    const serverWatches = async () => {
      const reply = await fourLetterWord(host, Number(port), 'mntr');
      return Number(/zk_watch_count\s+(\d+)/.exec(reply)?.[1] ?? NaN);
    };
    const setup = await ZkClient.connect({ connectString: server });
    for (const count of [1000, 10000]) {
      const root = `/bench-tree-${count}`;
      // 100 parents of count/100 children each (and the parents themselves): count + 101 nodes.
      const ops = [{ type: 'create', path: root }];
      for (let p = 0; p < 100; p += 1) {
        ops.push({ type: 'create', path: `${root}/p${p}` });
        for (let c = 0; c < count / 100 - 1; c += 1) ops.push({ type: 'create', path: `${root}/p${p}/c${c}`, data: Buffer.from(`value ${p}/${c}`) });
      }
      for (const batch of packTransactions(ops)) await multi(setup, batch);
      const nodes = ops.length;
      const before = await serverWatches();
      const started = process.hrtime.bigint();
      const proc = new CliProcess(['config', 'watch', '-R', root, '-o', 'json'], env);
      await proc.waitForLine(/^watching \d+ node/, 120_000, 'stderr');
      const startupMs = Number(process.hrtime.bigint() - started) / 1e6;
      await sleep(3000);
      const rss = procStats(proc.pid).rssMb;
      const watches = (await serverWatches()) - before;
      const latencies = [];
      for (let i = 0; i < 50; i += 1) {
        const path = `${root}/p${(i * 7) % 100}/c${i % (count / 100 - 1)}`;
        const lines = proc.stdout.length;
        const sent = process.hrtime.bigint();
        await setup.setData(path, Buffer.from(`changed ${i}`));
        await proc.waitForLine(new RegExp(`"path":"${path}".*changed ${i}`));
        latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
        if (proc.stdout.length === lines) throw new Error('no line');
        await sleep(20);
      }
      const created = process.hrtime.bigint();
      await setup.create(`${root}/p7/new-node`, Buffer.from('fresh'));
      await proc.waitForLine(/"kind":"created","path":"[^"]+\/p7\/new-node"/);
      const createMs = Number(process.hrtime.bigint() - created) / 1e6;
      proc.signal('SIGTERM');
      await proc.exited;
      const entry = { nodes, startupMs, rssMb: rss, serverWatches: watches, changeP50: quantile(latencies, 0.5), changeP95: quantile(latencies, 0.95), createMs };
      results.tree[count] = entry;
      console.log(
        `  ${String(nodes).padStart(5)} nodes: start-up to "watching" ${ms(startupMs)}, RSS ${rss.toFixed(1)} MB, ${watches} watches on the server; change -> line p50 ${ms(entry.changeP50)}, p95 ${ms(entry.changeP95)}; new node -> line ${ms(createMs)}`,
      );
    }
    await setup.close();
    console.log();
  }

  if (want('discovery')) {
    // 200 instances of one service, registered as Curator would (ephemeral, ServiceInstance JSON), by 20 sessions.
    const count = 200;
    const base = '/bench-services';
    const owners = await Promise.all(Array.from({ length: 20 }, () => ZkClient.connect({ connectString: server })));
    await owners[0].mkdirp(`${base}/api`);
    await owners[0].create('/bench-discovery-get', Buffer.from('db_host=localhost;db_port=5432')).catch(() => undefined);
    const instance = (id, port) =>
      Buffer.from(JSON.stringify({ name: 'api', id, address: '127.0.0.1', port, sslPort: null, payload: null, registrationTimeUTC: Date.now(), serviceType: 'DYNAMIC', uriSpec: null }));
    await Promise.all(Array.from({ length: count }, (_, i) => owners[i % owners.length].create(`${base}/api/i${i}`, instance(`i${i}`, 10000 + i), 'ephemeral')));
    const discoverArgs = [BIN, 'discover', 'api', '--base', base];
    const getArgs = [BIN, 'config', 'get', '/bench-discovery-get'];
    await timeCommand(process.execPath, discoverArgs, 3, env);
    await timeCommand(process.execPath, getArgs, 3, env);
    const discoverTimes = [];
    const getTimes = [];
    for (let i = 0; i < 20; i += 1) {
      discoverTimes.push(await timeOnce(process.execPath, discoverArgs, env));
      getTimes.push(await timeOnce(process.execPath, getArgs, env));
    }
    const discover = { p50: quantile(discoverTimes, 0.5), p95: quantile(discoverTimes, 0.95) };
    const get = { p50: quantile(getTimes, 0.5), p95: quantile(getTimes, 0.95) };
    // Watch latency: from our create/delete (sent from this process) to the watcher's line.
    const watcher = new CliProcess(['discover', 'api', '--base', base, '--watch', '-o', 'json'], env);
    await watcher.waitForLine(/"event":"initial"/, 30_000);
    const joins = [];
    const leaves = [];
    for (let i = 0; i < 40; i += 1) {
      const id = `w${i}`;
      let sent = process.hrtime.bigint();
      await owners[0].create(`${base}/api/${id}`, instance(id, 20000 + i), 'ephemeral');
      await watcher.waitForLine(new RegExp(`"event":"joined".*"id":"${id}"`));
      joins.push(Number(process.hrtime.bigint() - sent) / 1e6);
      sent = process.hrtime.bigint();
      await owners[0].remove(`${base}/api/${id}`);
      await watcher.waitForLine(new RegExp(`"event":"left".*"id":"${id}"`));
      leaves.push(Number(process.hrtime.bigint() - sent) / 1e6);
    }
    watcher.signal('SIGTERM');
    await watcher.exited;
    await Promise.all(owners.map((c) => c.close()));
    const lat = (v) => ({ p50: quantile(v, 0.5), p99: quantile(v, 0.99) });
    results.discovery = { instances: count, discover, configGet: get, ratio: discover.p50 / get.p50, watchJoin: lat(joins), watchLeave: lat(leaves) };
    console.log(`Service discovery, ${count} instances of one service (one-shot wall time p50 / p95, 20 interleaved runs each)`);
    console.log(`  zk-coord discover api   ${ms(discover.p50)} / ${ms(discover.p95)}   = ${(discover.p50 / get.p50).toFixed(2)}x config get (${ms(get.p50)} / ${ms(get.p95)})`);
    console.log(`  --watch, 40 joins:  p50 ${ms(lat(joins).p50)}, p99 ${ms(lat(joins).p99)}; 40 leaves: p50 ${ms(lat(leaves).p50)}, p99 ${ms(lat(leaves).p99)} (from the request sent to the watcher's line)\n`);
  }

  if (want('shell')) {
    const keys = 200;
    const setup = await ZkClient.connect({ connectString: server });
    await setup.mkdirp('/bench-shell');
    for (let i = 0; i < keys; i += 1) await setup.create(`/bench-shell/k${i}`, Buffer.from(`value-${i}`)).catch(() => undefined);
    await setup.close();
    const script = `${Array.from({ length: keys }, (_, i) => `get /bench-shell/k${i}`).join('\n')}\n`;
    /** Wall time of one run fed `input` on stdin; rejects unless it exits 0 and prints `expect` lines. */
    const piped = (file, args, input, expect) =>
      new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
        let lines = 0;
        child.stdout.on('data', (c) => (lines += c.toString().split('\n').filter((l) => l.startsWith('value-')).length));
        child.on('close', (code) => {
          const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
          if (code === 0 && lines === expect) resolve(elapsed);
          else reject(new Error(`${file} exited ${code} with ${lines} of ${expect} values`));
        });
        child.stdin.end(input);
      });
    const batch = [];
    for (let i = 0; i < 7; i += 1) batch.push(await piped(process.execPath, [BIN, 'shell'], script, keys));
    const zkcli = [];
    for (let i = 0; i < 3; i += 1) zkcli.push(await piped(ZKCLI, ['-server', server], script, keys));
    const processesStarted = process.hrtime.bigint();
    for (let i = 0; i < keys; i += 1) await run(process.execPath, [BIN, 'config', 'get', `/bench-shell/k${i}`], { env });
    const processes = Number(process.hrtime.bigint() - processesStarted) / 1e6;
    // Interactive: a pty (util-linux script), the time from Enter to the value on screen, 50 commands.
    const term = spawn('script', ['-qfec', `stty cols 100 rows 30; '${process.execPath}' '${BIN}' shell`, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let screen = '';
    term.stdout.on('data', (c) => (screen += c.toString()));
    const until = async (check, what) => {
      const deadline = Date.now() + 15_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`interactive bench: no ${what}`);
        await new Promise((r) => setImmediate(r));
      }
    };
    await until(() => screen.includes('connected> '), 'prompt');
    const latencies = [];
    for (let i = 0; i < 50; i += 1) {
      const mark = screen.length;
      const key = i % keys;
      const started = process.hrtime.bigint();
      term.stdin.write(`get /bench-shell/k${key}\r`);
      await until(() => screen.slice(mark).includes(`\nvalue-${key}\r`), 'value');
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      await until(() => screen.slice(mark).split(`value-${key}`)[1]?.includes('connected> '), 'prompt');
    }
    term.stdin.write('quit\r');
    await new Promise((r) => term.on('close', r));
    results.shell = {
      keys,
      oneBatch: { p50: quantile(batch, 0.5), max: Math.max(...batch) },
      processes,
      zkCliPiped: { p50: quantile(zkcli, 0.5), max: Math.max(...zkcli) },
      interactive: { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95) },
    };
    console.log(`${keys} reads (get of ${keys} keys; wall time)`);
    console.log(`  zk-coord shell, one batch on stdin   ${ms(results.shell.oneBatch.p50)} (p50 of 7)`);
    console.log(`  ${keys} zk-coord config get processes  ${ms(processes)}   = ${(processes / results.shell.oneBatch.p50).toFixed(1)}x the batch`);
    console.log(`  zkCli.sh, the same script piped     ${ms(results.shell.zkCliPiped.p50)} (p50 of 3)   = ${(results.shell.zkCliPiped.p50 / results.shell.oneBatch.p50).toFixed(1)}x the batch`);
    console.log(`Interactive shell on a pty: Enter to the value on screen, p50 ${ms(latencies.length ? results.shell.interactive.p50 : 0)}, p95 ${ms(results.shell.interactive.p95)} (50 commands)\n`);
  }

  if (want('standby')) {
    console.log('Hot standby and sidecar (elect --standby, --http)');
    results.standby = {};
    const roleOf = (file) => {
      try {
        return readFileSync(file, 'utf8').split('\n')[0];
      } catch {
        return '';
      }
    };
    const leaderStatus = (port) => fetch(`http://127.0.0.1:${port}/leader`).then((r) => r.status, () => 0);
    const fileTimes = [];
    const httpTimes = [];
    for (let t = 0; t < 20; t += 1) {
      const path = `/bench-standby-${t}`;
      const roleA = join(base, `role-a-${t}`);
      const roleB = join(base, `role-b-${t}`);
      const port = await freePort();
      const a = new CliProcess(['elect', path, 'a', '--standby', '--role-file', roleA, '--', 'sleep', '600'], env);
      while (roleOf(roleA) !== 'leader') await sleep(5);
      const b = new CliProcess(['elect', path, 'b', '--standby', '--role-file', roleB, '--http', String(port), '--', 'sleep', '600'], env);
      while (roleOf(roleB) !== 'follower') await sleep(5);
      const sent = process.hrtime.bigint();
      a.signal('SIGTERM');
      let fileAt;
      let httpAt;
      // Both polled in one loop (about every millisecond): the file by a read, /leader by a request.
      while (fileAt === undefined || httpAt === undefined) {
        if (fileAt === undefined && roleOf(roleB) === 'leader') fileAt = process.hrtime.bigint();
        if (httpAt === undefined && (await leaderStatus(port)) === 200) httpAt = process.hrtime.bigint();
      }
      fileTimes.push(Number(fileAt - sent) / 1e6);
      httpTimes.push(Number(httpAt - sent) / 1e6);
      b.signal('SIGTERM');
      await Promise.all([a.exited, b.exited]);
    }
    results.standby.roleFile = { p50: quantile(fileTimes, 0.5), p99: quantile(fileTimes, 0.99) };
    results.standby.httpLeader = { p50: quantile(httpTimes, 0.5), p99: quantile(httpTimes, 0.99) };
    console.log(`  leader's SIGTERM -> follower's role file says leader, 20 trials: p50 ${ms(quantile(fileTimes, 0.5))}, p99 ${ms(quantile(fileTimes, 0.99))}`);
    console.log(`  leader's SIGTERM -> follower's /leader answers 200,   20 trials: p50 ${ms(quantile(httpTimes, 0.5))}, p99 ${ms(quantile(httpTimes, 0.99))}`);

    const port = await freePort();
    const holder = new CliProcess(['claim', '/bench-http', '--http', String(port)], env);
    await holder.waitForLine(/^\d+$/);
    const latencies = [];
    for (let i = 0; i < 500; i += 1) {
      const started = process.hrtime.bigint();
      await (await fetch(`http://127.0.0.1:${port}/`)).text();
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      await sleep(Math.max(0, 20 - latencies[latencies.length - 1]));
    }
    results.standby.httpGet = { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
    console.log(`  GET / at 50 requests/s, 500 requests: p50 ${ms(quantile(latencies, 0.5))}, p99 ${ms(quantile(latencies, 0.99))}`);
    holder.signal('SIGTERM');
    await holder.exited;

    for (const [label, extra] of [['claim', []], ['claim --http', ['--http', String(await freePort())]]]) {
      const proc = new CliProcess(['claim', '/bench-http-rss', ...extra], env);
      await proc.waitForLine(/^\d+$/);
      if (extra.length) await (await fetch(`http://127.0.0.1:${extra[1]}/metrics`)).text();
      await sleep(5000);
      const { rssMb } = procStats(proc.pid);
      results.standby[`rss ${label}`] = rssMb;
      console.log(`  RSS of an idle ${label.padEnd(13)} ${rssMb.toFixed(1)} MB`);
      proc.signal('SIGTERM');
      await proc.exited;
    }
    console.log();
  }
  if (['queue', 'barrier', 'counter'].some(want)) {
    const { main: recipes } = await import('./recipes.mjs');
    if (!(await recipes({ server, env, BIN, base, results, want }))) process.exitCode = 1;
  }
} finally {
  for (const node of ensemble.nodes) await stopNodeAndWait(node);
  rmSync(base, { recursive: true, force: true });
}
console.log(JSON.stringify(results, null, 1).length < 4000 ? `JSON: ${JSON.stringify(results)}` : '');
