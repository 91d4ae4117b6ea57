// The soak's independent observer, a process of its own (its own event loop: the chaos driver and the 75 fault
// proxies cannot delay its checks), raised in CPU priority by the driver where it may (root: nice -10), so the
// ~30 busy processes of the soak on 2 cores do not starve its 25 ms checks. It never talks to ZooKeeper or to
// zk-coord: it reads the heartbeat logs that every process of every supervised command writes, and /proc.
//
// A hold is one fencing token (the held node's creation zxid, ZK_COORD_TOKEN): one claim of an ID or one
// term of leadership. Every check interval it:
// - reads the new heartbeats of every log (`<label> <pid> <epoch-ms> <token>`; label `id-N` or `leader`);
// - asks /proc which processes of each hold still live (same pid, same start time, not a zombie, the token
//   in its argv), and flags a label (an ID, the leadership) whose processes of two holds are alive at once;
// - flags two holds of the same label whose activity windows (first to last heartbeat of all their
//   processes) overlap: two ID-holders' or two leaders' command groups that ran at the same time.
// It also times, for each SIGKILL of a zk-coord the driver reports, how long its command group lived on.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HeartbeatLog, identify, quantile, stillAlive } from './heartbeat.mjs';

const { logDir, intervalMs } = JSON.parse(process.argv[2]);
const parentPort = { postMessage: (message) => process.send(message) };
// The driver gone (it crashed, or was killed): nothing to report to.
process.on('disconnect', () => process.exit(0));
const logs = new Map(); // file -> { log, exitedAt }
const done = new Set();
const holds = new Map(); // token -> hold
const byLabel = new Map(); // label -> Set<hold>
const violations = [];
const reported = new Set();
const kills = []; // { file, at, holds: hold[] , latencyMs? }
let checks = 0;
let beats = 0;
let lastCheck = 0;
let maxCheckGapMs = 0;
let gapsOver50 = 0;
let maxCheckMs = 0;

function violation(kind, a, b, detail) {
  const key = `${kind} ${[a.token, b.token].sort().join(' ')}`;
  if (reported.has(key)) return;
  reported.add(key);
  const v = { kind, label: a.label, at: Date.now(), holds: [a, b].map((h) => ({ token: h.token, file: h.file, first: h.first, last: h.last })), ...detail };
  violations.push(v);
  parentPort.postMessage({ type: 'violation', violation: v });
}

function holdFor(beat, file) {
  let hold = holds.get(beat.token);
  if (!hold) {
    hold = { token: beat.token, label: beat.label, file, first: beat.ms, last: beat.ms, pids: new Map(), alive: false, deadAt: undefined };
    holds.set(beat.token, hold);
    if (!byLabel.has(beat.label)) byLabel.set(beat.label, new Set());
    byLabel.get(beat.label).add(hold);
  }
  return hold;
}

function check() {
  const now = Date.now();
  if (lastCheck) {
    maxCheckGapMs = Math.max(maxCheckGapMs, now - lastCheck);
    if (now - lastCheck > 50) gapsOver50 += 1;
  }
  lastCheck = now;
  checks += 1;
  for (const name of readdirSync(logDir)) {
    if (name.endsWith('.log') && !logs.has(name) && !done.has(name)) logs.set(name, { log: new HeartbeatLog(join(logDir, name)), exitedAt: undefined, quietSince: now });
  }
  const updated = new Set();
  for (const [file, entry] of logs) {
    const fresh = entry.log.read();
    if (fresh.length > 0) entry.quietSince = now;
    for (const beat of fresh) {
      beats += 1;
      const hold = holdFor(beat, file);
      if (beat.ms < hold.first) hold.first = beat.ms;
      if (beat.ms > hold.last) hold.last = beat.ms;
      if (!hold.pids.has(beat.pid)) {
        const start = identify(beat.pid, beat.token);
        hold.pids.set(beat.pid, start);
        if (start !== undefined && !hold.alive) {
          hold.alive = true;
          hold.deadAt = undefined;
        }
      }
      updated.add(hold);
    }
    // A zk-coord that has exited writes no more: its log is read one last time once quiet, then dropped.
    if (entry.exitedAt !== undefined && now - entry.quietSince > 1000) {
      logs.delete(file);
      done.add(file);
    }
  }
  for (const hold of holds.values()) {
    if (!hold.alive) continue;
    let alive = false;
    for (const [pid, start] of hold.pids) {
      if (start === undefined) continue;
      if (stillAlive(pid, start)) alive = true;
      else hold.pids.set(pid, undefined);
    }
    if (!alive) {
      hold.alive = false;
      hold.deadAt = Date.now();
    }
  }
  for (const set of byLabel.values()) {
    const live = [...set].filter((h) => h.alive);
    for (let i = 0; i < live.length; i += 1) {
      for (let j = i + 1; j < live.length; j += 1) violation('two live holders', live[i], live[j], {});
    }
  }
  for (const hold of updated) {
    for (const other of byLabel.get(hold.label)) {
      if (other === hold) continue;
      if (hold.first <= other.last && other.first <= hold.last) {
        violation('overlapping activity', hold, other, { overlapMs: Math.min(hold.last, other.last) - Math.max(hold.first, other.first) });
      }
    }
  }
  for (const kill of kills) {
    if (kill.latencyMs !== undefined) continue;
    if (kill.holds.every((h) => !h.alive)) kill.latencyMs = Math.max(0, ...kill.holds.map((h) => h.deadAt - kill.at));
  }
  maxCheckMs = Math.max(maxCheckMs, Date.now() - now);
}

function report() {
  const gaps = [];
  const deadGaps = [];
  let handovers = 0;
  for (const set of byLabel.values()) {
    const sorted = [...set].sort((a, b) => a.first - b.first);
    for (let i = 1; i < sorted.length; i += 1) {
      handovers += 1;
      gaps.push(sorted[i].first - sorted[i - 1].last);
      if (sorted[i - 1].deadAt !== undefined) deadGaps.push(sorted[i].first - sorted[i - 1].deadAt);
    }
  }
  const measured = kills.filter((k) => k.latencyMs !== undefined).map((k) => k.latencyMs);
  return {
    checks,
    maxCheckGapMs,
    // The thread starved of CPU (2 cores, ~30 busy processes): the /proc check waited longer than 50 ms this often.
    gapsOver50,
    /** The longest single check (its own work, not waiting for the CPU). */
    maxCheckMs,
    beats,
    logs: logs.size + done.size,
    holds: holds.size,
    labels: byLabel.size,
    handovers,
    // From the last heartbeat of one holder of a label to the first of the next one (heartbeats every 20 ms).
    handoverGapMs: { min: Math.min(...gaps), p5: quantile(gaps, 0.05), median: quantile(gaps, 0.5) },
    // From the moment the observer saw the previous holder's processes all gone to the next one's first heartbeat.
    deadToNextMs: { min: Math.min(...deadGaps), p5: quantile(deadGaps, 0.05), median: quantile(deadGaps, 0.5) },
    sigkillGroupDeathMs: { samples: measured.length, max: Math.max(0, ...measured), median: quantile(measured, 0.5), over1s: measured.filter((m) => m > 1000).length },
    stillAlive: [...holds.values()].filter((h) => h.alive).map((h) => ({ token: h.token, label: h.label, file: h.file, pids: [...h.pids].filter(([, s]) => s !== undefined).map(([p]) => p) })),
    violations,
  };
}

// Every intervalMs from the last check's start (not its end, as setInterval would): a long check is followed
// at once by the next, so the gap between two checks is the interval or the check's own length.
let timer;
let nextAt = Date.now() + intervalMs;
const tick = () => {
  check();
  nextAt = Math.max(nextAt + intervalMs, Date.now());
  timer = setTimeout(tick, Math.max(0, nextAt - Date.now()));
};
timer = setTimeout(tick, intervalMs);
process.on('message', (message) => {
  if (message.type === 'killed') {
    // Every hold of that zk-coord alive at the kill (or dead since): its group must be gone within a second.
    const ofFile = [...holds.values()].filter((h) => h.file === message.file && (h.alive || (h.deadAt ?? 0) >= message.at));
    if (ofFile.length > 0) kills.push({ file: message.file, at: message.at, holds: ofFile });
  } else if (message.type === 'exited') {
    const entry = logs.get(message.file);
    if (entry) entry.exitedAt = Date.now();
  } else if (message.type === 'status') {
    parentPort.postMessage({ type: 'status', checks, holds: holds.size, violations: violations.length, maxCheckGapMs });
  } else if (message.type === 'finish') {
    clearTimeout(timer);
    check();
    parentPort.postMessage({ type: 'report', report: report() });
  }
});
