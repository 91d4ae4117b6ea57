// Hostile hosts and signals (issue 10), on a server of its own (tickTime 500, so sessions of 1-2 s are lost fast):
// 1. connect: each misbehaving fake server (silent, garbage, huge length, close) in each position of a 3-host
//    string with a healthy server last, N repetitions each (default 20): how often the healthy host wins, and
//    how long the connect takes (--connect-timeout 3000: each bad host may use 1 s).
// 2. signals: SIGTERM latency (signal sent -> process exited) of the CLI in each state: connecting to a silent
//    host (a holder and a one-shot command), suspended, in the reconnect loop after a lost session (config
//    watch), re-campaigning after a lost session (elect), waiting for a lock, and holding a claim (which
//    includes the release). Goal: every state within 200 ms.
//
//   npm run bench -- hostile                 both, 20 connect repetitions, 10 signal repetitions per state
//   node bench/hostile.mjs --reps 20 --signal-reps 10 --only connect|signals
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess } from '../dist/process/cli-process.js';
import { FaultProxy } from '../dist/server/fault-proxy.js';
import { FakeServer, MISBEHAVIOURS } from '../dist/server/fake-servers.js';
import { launchEnsemble, stopNodeAndWait } from '../dist/server/launcher.js';
import { ZkClient } from '../dist/index.js';

const sleep = (t) => new Promise((r) => setTimeout(r, t));
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

function parseArgs(argv) {
  const options = { reps: 20, signalReps: 10, only: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--reps') options.reps = Number(argv[++i]);
    else if (flag === '--signal-reps') options.signalReps = Number(argv[++i]);
    else if (flag === '--only') options.only = argv[++i];
    else throw new Error(`hostile: unknown option ${flag}`);
  }
  return options;
}

async function connectBench(healthy, reps) {
  const fakes = new Map();
  for (const b of MISBEHAVIOURS) fakes.set(b, await new FakeServer(b).start());
  const other = (b) => (b === 'silent' ? 'huge-length' : 'silent');
  const rows = [];
  try {
    for (const behaviour of MISBEHAVIOURS) {
      const bad = fakes.get(behaviour).address;
      const second = fakes.get(other(behaviour)).address;
      const strings = { 'bad first': [bad, second, healthy], 'bad second': [second, bad, healthy], 'bad only': [bad, healthy] };
      for (const [position, hosts] of Object.entries(strings)) {
        const times = [];
        let won = 0;
        for (let i = 0; i < reps; i += 1) {
          const started = performance.now();
          try {
            const client = await ZkClient.connect({ connectString: hosts.join(','), sessionTimeoutMs: 4000, connectTimeoutMs: 3000 });
            if (client.server === healthy) won += 1;
            times.push(performance.now() - started);
            await client.close();
          } catch {
            times.push(performance.now() - started);
          }
        }
        rows.push({ behaviour, position, reps, won, p50: quantile(times, 0.5), max: Math.max(...times) });
      }
    }
  } finally {
    for (const f of fakes.values()) await f.stop();
  }
  return rows;
}

/** Starts the CLI, brings it into a state, sends SIGTERM, returns the ms until it exited and its code. */
async function timeSigterm(args, env, enterState) {
  const cli = new CliProcess(args, env);
  let cleanup;
  try {
    cleanup = await enterState(cli);
  } catch (error) {
    // Never leave a CLI behind (it would hold its server, and this run, for ever).
    cli.signal('SIGKILL');
    await cli.exited;
    throw error;
  }
  if (!cli.running) {
    await cleanup?.();
    return { ms: NaN, code: await cli.exited, error: `exited early: ${cli.stderr.join(' | ')}` };
  }
  const started = performance.now();
  cli.signal('SIGTERM');
  const killer = setTimeout(() => cli.signal('SIGKILL'), 20_000);
  const code = await cli.exited;
  const ms = performance.now() - started;
  clearTimeout(killer);
  await cleanup?.();
  return { ms, code };
}

async function signalBench(server, reps) {
  const serverPort = Number(server.split(':')[1]);
  const env = { ...process.env, NO_COLOR: '1', ZK_COORD_SERVER: server };
  const short = ['--session-timeout', '1500'];
  const uniq = (p) => `/bench-sig-${p}-${Math.random().toString(36).slice(2, 8)}`;
  const viaProxy = async () => {
    const proxy = await new FaultProxy(serverPort).start();
    return { proxy, env: { ...env, ZK_COORD_SERVER: proxy.connectString } };
  };
  const states = {
    'connecting (holder, silent host)': async () => {
      const silent = await new FakeServer('silent').start();
      return timeSigterm(['claim', uniq('c'), '--connect-timeout', '30000'], { ...env, ZK_COORD_SERVER: silent.address }, async (cli) => {
        await sleep(700);
        return () => silent.stop();
      });
    },
    'connecting (one-shot, silent host)': async () => {
      const silent = await new FakeServer('silent').start();
      return timeSigterm(['config', 'get', '/x', '--connect-timeout', '30000'], { ...env, ZK_COORD_SERVER: silent.address }, async () => {
        await sleep(700);
        return () => silent.stop();
      });
    },
    'suspended (config watch, server blackholed)': async () => {
      const { proxy, env: penv } = await viaProxy();
      return timeSigterm(['config', 'watch', uniq('w'), ...short], penv, async (cli) => {
        await cli.waitForLine(/does not exist|initial/, 10_000);
        proxy.setMode('blackhole');
        await cli.waitForLine(/may still be alive/, 10_000, 'stderr');
        return () => proxy.stop();
      });
    },
    'reconnect loop (config watch, session lost, server refusing)': async () => {
      const { proxy, env: penv } = await viaProxy();
      return timeSigterm(['config', 'watch', uniq('w'), ...short, '--connect-timeout', '1000'], penv, async (cli) => {
        await cli.waitForLine(/does not exist|initial/, 10_000);
        proxy.setMode('refuse');
        await cli.waitForLine(/still trying/, 15_000, 'stderr');
        await sleep(300);
        return () => proxy.stop();
      });
    },
    're-campaigning (elect, session lost, server refusing)': async () => {
      const { proxy, env: penv } = await viaProxy();
      return timeSigterm(['elect', uniq('e'), 'x', ...short, '--connect-timeout', '1000'], penv, async (cli) => {
        await cli.waitForLine(/leader/, 10_000);
        proxy.setMode('refuse');
        await cli.waitForLine(/taking it again with a new session/, 15_000, 'stderr');
        await sleep(500);
        return () => proxy.stop();
      });
    },
    'waiting for a lock': async () => {
      const path = uniq('l');
      const holder = new CliProcess(['lock', path], env);
      await holder.waitForLine(/acquired/, 10_000);
      const result = await timeSigterm(['lock', path], env, async (cli) => {
        await cli.waitForLine(/waiting/, 10_000, 'stderr');
        return undefined;
      });
      holder.signal('SIGTERM');
      await holder.exited;
      return result;
    },
    'holding a claim (release included)': async () =>
      timeSigterm(['claim', uniq('h')], env, async (cli) => {
        await cli.waitForLine(/^\d+$/, 10_000);
        return undefined;
      }),
  };
  const rows = [];
  for (const [state, once] of Object.entries(states)) {
    const times = [];
    const codes = new Set();
    const errors = [];
    for (let i = 0; i < reps; i += 1) {
      try {
        const r = await once();
        if (r.error) errors.push(r.error);
        else times.push(r.ms);
        codes.add(r.code);
      } catch (error) {
        errors.push(error.message);
      }
    }
    rows.push({ state, reps, measured: times.length, p50: times.length ? quantile(times, 0.5) : NaN, max: times.length ? Math.max(...times) : NaN, codes: [...codes].join(','), errors });
  }
  return rows;
}

export async function main(argv) {
  const options = parseArgs(argv);
  const base = mkdtempSync(join(tmpdir(), 'zk-coord-hostile-'));
  const ensemble = await launchEnsemble({ size: 1, baseDir: base, tickTimeMs: 500, ownerPid: process.pid });
  let ok = true;
  try {
    if (options.only !== 'signals') {
      const rows = await connectBench(ensemble.connectString, options.reps);
      console.log(`\nhostile hosts, healthy last (${options.reps} repetitions each; --connect-timeout 3000)`);
      console.log('| misbehaviour | position | healthy won | p50 connect | max connect |\n|---|---|---|---|---|');
      for (const r of rows) {
        console.log(`| ${r.behaviour} | ${r.position} | ${r.won}/${r.reps} | ${r.p50.toFixed(0)} ms | ${r.max.toFixed(0)} ms |`);
        if (r.won !== r.reps) ok = false;
      }
    }
    if (options.only !== 'connect') {
      const rows = await signalBench(ensemble.connectString, options.signalReps);
      console.log(`\nSIGTERM to exit, per state (${options.signalReps} runs each; goal ≤ 200 ms)`);
      console.log('| state | p50 | max | exit codes |\n|---|---|---|---|');
      for (const r of rows) {
        console.log(`| ${r.state} | ${r.p50.toFixed(0)} ms | ${r.max.toFixed(0)} ms | ${r.codes} |${r.errors.length ? ` ${r.errors.length} not measured: ${r.errors[0]}` : ''}`);
        if (!(r.max <= 200) || r.errors.length > 0) ok = false;
      }
    }
  } finally {
    for (const node of ensemble.nodes) await stopNodeAndWait(node);
    rmSync(base, { recursive: true, force: true });
  }
  return ok;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!(await main(process.argv.slice(2)))) process.exitCode = 1;
}
