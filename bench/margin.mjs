// The supervision margin (issue 9): "with default options, after the last byte heard from the server the
// holder's whole command group is dead at least a quarter of the negotiated session timeout before the server
// can expire the session". Per recipe (claim, elect, lock), over many blackhole runs: a holder runs a command
// whose three processes (a background writer that forked, a foreground one) write heartbeats, reaching the
// server through a fault proxy; a competitor waits, connected directly. The proxy goes silent (blackhole):
// the holder must stop its command, the server expires the session, the competitor's command starts. We
// measure the time from the old command group being dead (keeper and writers gone from /proc, polled every
// 5 ms: an upper bound of the death) to the competitor's first heartbeat (its command's first act).
// Two kinds of command: "obliging" ones exit on SIGTERM (the stop at suspension + the suspend grace), and
// "stubborn" ones ignore it (only the SIGKILL of the hard stop, 5/8 of the timeout, ends them).
//
//   npm run bench -- margin                           30 runs per recipe and kind, 3 lanes in parallel
//   node bench/margin.mjs --runs 30 --session-timeout 2000 --lanes 3
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliProcess } from '../dist/process/cli-process.js';
import { FaultProxy } from '../dist/server/fault-proxy.js';
import { launchEnsemble, stopNodeAndWait } from '../dist/server/launcher.js';
import { ZkClient } from '../dist/index.js';
import { HeartbeatLog, heartbeatCommand, identify, installWriter, quantile, stillAlive } from './heartbeat.mjs';

const TICK_MS = 500;
const RECIPES = ['claim', 'elect', 'lock'];
const sleep = (t) => new Promise((r) => setTimeout(r, t));

function parseArgs(argv) {
  const options = { runs: 30, sessionTimeoutMs: 2000, lanes: 3, kinds: ['obliging', 'stubborn'], json: false };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--runs') options.runs = Number(argv[++i]);
    else if (flag === '--session-timeout') options.sessionTimeoutMs = Number(argv[++i]);
    else if (flag === '--lanes') options.lanes = Number(argv[++i]);
    else if (flag === '--kinds') options.kinds = argv[++i].split(',');
    else if (flag === '--json') options.json = true;
    else throw new Error(`margin: unknown option ${flag}`);
  }
  return options;
}

async function firstBeats(log, count, timeoutMs) {
  const beats = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    beats.push(...log.read());
    if (new Set(beats.map((b) => b.pid)).size >= count) return beats;
    await sleep(5);
  }
  throw new Error(`fewer than ${count} heartbeat writers in ${log.path} after ${timeoutMs} ms`);
}

const WAITING = { claim: /waiting for one to be freed/, elect: /^following /, lock: /^waiting for lock / };

function holderArgs(recipe, path, name, command) {
  if (recipe === 'claim') return ['claim', path, '--max', '1', '--exec', command];
  if (recipe === 'elect') return ['elect', path, name, '--once', '--exec', command];
  return ['lock', path, '--name', name, '--exec', command];
}

/** One blackhole run: returns { marginMs, blackholeToDeadMs } or throws with what went wrong. */
async function marginRun({ recipe, kind, n, server, port, T, writer, dir }) {
  const path = `/margin-${recipe}-${kind}-${n}`;
  const proxy = await new FaultProxy(port).start();
  const oldLogPath = join(dir, `${recipe}-${kind}-${n}-old.log`);
  const newLogPath = join(dir, `${recipe}-${kind}-${n}-new.log`);
  const command = (log) => heartbeatCommand({ writer, log, labelExpr: recipe, stubborn: kind === 'stubborn' });
  const global = ['--session-timeout', String(T)];
  const env = (connect) => ({ ...process.env, ZK_COORD_SERVER: connect, NO_COLOR: '1' });
  const old = new CliProcess([...global, ...holderArgs(recipe, path, 'old', command(oldLogPath))], env(proxy.connectString));
  let competitor;
  try {
    const oldLog = new HeartbeatLog(oldLogPath);
    const beats = await firstBeats(oldLog, 3, 15_000);
    const keeperLine = old.stderr.find((l) => /\(pid \d+\)/.test(l)) ?? (await old.waitForLine(/\(pid \d+\)/, 5000, 'stderr'));
    const keeper = Number(/\(pid (\d+)\)/.exec(keeperLine)[1]);
    const group = [{ pid: keeper, start: identify(keeper, '-e') }];
    for (const pid of new Set(beats.map((b) => b.pid))) group.push({ pid, start: identify(pid, beats[0].token) });
    if (group.some((p) => p.start === undefined)) throw new Error(`a process of the old group is already gone: ${JSON.stringify(group)}`);
    competitor = new CliProcess([...global, ...holderArgs(recipe, path, 'new', command(newLogPath))], env(server));
    await competitor.waitForLine(WAITING[recipe], 15_000, 'stderr');
    // Anywhere in the holder's ping cycle (a ping every T/8).
    await sleep(Math.random() * (T / 8));
    const blackholeAt = Date.now();
    proxy.setMode('blackhole');
    let deadAt;
    const newLog = new HeartbeatLog(newLogPath);
    let first;
    const deadline = blackholeAt + 3 * T + 5000;
    while (Date.now() < deadline && first === undefined) {
      if (deadAt === undefined && group.every((p) => !stillAlive(p.pid, p.start))) deadAt = Date.now();
      const fresh = newLog.read();
      if (fresh.length > 0) first = Math.min(...fresh.map((b) => b.ms));
      else await sleep(5);
    }
    if (first === undefined) throw new Error(`the competitor's command did not start within ${deadline - blackholeAt} ms; competitor stderr: ${competitor.stderr.join(' | ')}`);
    if (deadAt === undefined) {
      // The competitor started while the old group still lived: the margin is negative, by at least this much.
      deadAt = Date.now();
      while (group.some((p) => stillAlive(p.pid, p.start)) && Date.now() < deadline) {
        await sleep(5);
        deadAt = Date.now();
      }
    }
    return { marginMs: first - deadAt, blackholeToDeadMs: deadAt - blackholeAt, oldExit: await Promise.race([old.exited, sleep(2000).then(() => 'running')]) };
  } finally {
    proxy.setMode('pass');
    for (const p of [old, competitor]) p?.signal('SIGTERM');
    const kill = setTimeout(() => [old, competitor].forEach((p) => p?.signal('SIGKILL')), 5000);
    await Promise.all([old.exited, competitor?.exited]);
    clearTimeout(kill);
    await proxy.stop();
  }
}

export async function margin(options) {
  const T = options.sessionTimeoutMs;
  const log = options.json ? () => {} : (line) => console.log(line);
  const base = mkdtempSync(join(tmpdir(), 'zk-coord-margin-'));
  const dir = join(base, 'heartbeats');
  mkdirSync(dir);
  const writer = installWriter(base);
  const ensemble = await launchEnsemble({ size: 1, baseDir: join(base, 'server'), tickTimeMs: TICK_MS, ownerPid: process.pid });
  const server = ensemble.connectString;
  const port = ensemble.nodes[0].clientPort;
  try {
    const probe = await ZkClient.connect({ connectString: server, sessionTimeoutMs: T });
    const negotiated = probe.sessionTimeoutMs;
    await probe.close();
    log(`Margin: standalone ZooKeeper (tickTime ${TICK_MS}), session timeout asked ${T} ms, negotiated ${negotiated} ms; ${options.runs} blackhole runs per recipe and kind, ${options.lanes} at a time`);
    const jobs = [];
    for (const kind of options.kinds) for (let n = 0; n < options.runs; n += 1) for (const recipe of RECIPES) jobs.push({ recipe, kind, n });
    const results = new Map();
    const failures = [];
    let next = 0;
    const lane = async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        const key = `${job.recipe} ${job.kind}`;
        if (!results.has(key)) results.set(key, []);
        try {
          results.get(key).push(await marginRun({ ...job, server, port, T: negotiated, writer, dir }));
        } catch (error) {
          failures.push({ ...job, error: error.message.slice(0, 400) });
        }
      }
    };
    await Promise.all(Array.from({ length: options.lanes }, lane));
    const summary = { sessionTimeoutMs: negotiated, tickTimeMs: TICK_MS, lanes: options.lanes, quarterMs: negotiated / 4, recipes: {}, failures };
    for (const [key, runs] of results) {
      const margins = runs.map((r) => r.marginMs);
      const deaths = runs.map((r) => r.blackholeToDeadMs);
      summary.recipes[key] = {
        runs: runs.length,
        min: Math.min(...margins),
        p5: quantile(margins, 0.05),
        median: quantile(margins, 0.5),
        max: Math.max(...margins),
        belowQuarter: margins.filter((m) => m < negotiated / 4).length,
        blackholeToDeadMs: { min: Math.min(...deaths), median: quantile(deaths, 0.5), max: Math.max(...deaths) },
        oldExitCodes: [...new Set(runs.map((r) => r.oldExit))],
      };
    }
    return summary;
  } finally {
    for (const node of ensemble.nodes) await stopNodeAndWait(node);
    rmSync(base, { recursive: true, force: true });
  }
}

export function printMargin(summary) {
  const T = summary.sessionTimeoutMs;
  console.log(`Margin: old command group dead → competitor's command starts (session ${T} ms, T/4 = ${summary.quarterMs} ms; acceptance: never below T/4)`);
  for (const [key, r] of Object.entries(summary.recipes)) {
    console.log(
      `  ${key.padEnd(15)} ${String(r.runs).padStart(3)} runs: min ${r.min} ms (${(r.min / T).toFixed(2)} T), p5 ${r.p5} ms, median ${r.median} ms (${(r.median / T).toFixed(2)} T), max ${r.max} ms; below T/4: ${r.belowQuarter}; blackhole → dead ${r.blackholeToDeadMs.min}/${r.blackholeToDeadMs.median}/${r.blackholeToDeadMs.max} ms; old exit ${r.oldExitCodes.join(',')}`,
    );
  }
  if (summary.failures.length > 0) {
    console.log(`  ${summary.failures.length} runs failed:`);
    for (const f of summary.failures.slice(0, 10)) console.log(`    ${f.recipe} ${f.kind} #${f.n}: ${f.error}`);
  }
}

export async function main(argv) {
  const options = parseArgs(argv);
  const summary = await margin(options);
  if (options.json) console.log(JSON.stringify(summary));
  else printMargin(summary);
  return Object.values(summary.recipes).every((r) => r.belowQuarter === 0) && summary.failures.length === 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = (await main(process.argv.slice(2))) ? 0 : 1;
}
