// What the soak (soak.mjs) and the margin benchmark (margin.mjs) share: supervised commands whose every
// process writes timestamped heartbeats to a log, a reader for those logs, /proc checks of which of those
// processes still live, and one fault proxy per ensemble server for each zk-coord.
import { closeSync, openSync, readSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FaultProxy } from '../dist/server/fault-proxy.js';

/**
 * A heartbeat writer: appends `<label> <pid> <epoch-ms> <token>` to a log every 20 ms (one write(2) on an
 * O_APPEND file: lines never interleave). With `fork` set it forks first, so a grandchild of the command's
 * shell writes too; with a lifetime it exits after that long (the command ending by itself), otherwise it
 * runs until a signal ends it; a stubborn one ignores SIGTERM (only SIGKILL ends it). The token is in its
 * argv, so /proc/<pid>/cmdline tells ours from a reused pid.
 * Perl because the supervisor's keeper needs it anyway and it starts in a few ms (25 holders × 3 writers).
 */
const WRITER = String.raw`
use strict; use warnings; use Fcntl; use Time::HiRes qw(time sleep);
my ($log, $label, $token, $fork, $life_ms, $stubborn) = @ARGV;
$SIG{TERM} = 'IGNORE' if $stubborn;
if ($fork) { my $p = fork(); }
sysopen(my $fh, $log, O_WRONLY | O_APPEND | O_CREAT) or die "cannot open $log: $!";
my $end = $life_ms > 0 ? time() + $life_ms / 1000 : 0;
for (;;) {
  syswrite($fh, sprintf("%s %d %.0f %s\n", $label, $$, time() * 1000, $token));
  last if $end && time() >= $end;
  sleep(0.02);
}
`;

/** Writes the writer script into `dir`; returns its path. */
export function installWriter(dir) {
  const path = join(dir, 'heartbeat.pl');
  writeFileSync(path, WRITER);
  return path;
}

const quote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * The shell command a holder supervises: a background writer that forks (two processes the shell does not
 * wait for) and a foreground writer the shell execs. `lifeMs` > 0: the foreground one ends by itself after
 * that long and the command's exit leaves the background pair behind, for the supervisor to clean up.
 * `stubborn`: every writer ignores SIGTERM, so only the SIGKILL at the margin's hard stop ends the group.
 * `labelExpr` is shell text (e.g. `"id-$ZK_COORD_ID"`), expanded in the command's environment.
 */
export function heartbeatCommand({ writer, log, labelExpr, lifeMs = 0, stubborn = false }) {
  const args = (fork, life) => `${quote(writer)} ${quote(log)} ${labelExpr} "$ZK_COORD_TOKEN" ${fork} ${life} ${stubborn ? 1 : 0}`;
  return `perl ${args(1, 0)} & exec perl ${args(0, Math.max(0, Math.round(lifeMs)))}`;
}

/** Reads a heartbeat log incrementally: each call returns the complete lines added since the last call. */
export class HeartbeatLog {
  constructor(path) {
    this.path = path;
    this.offset = 0;
    this.partial = '';
    this.buffer = Buffer.alloc(64 * 1024);
  }

  read() {
    let fd;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return [];
    }
    let text = '';
    try {
      for (;;) {
        const n = readSync(fd, this.buffer, 0, this.buffer.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        text += this.buffer.toString('latin1', 0, n);
      }
    } finally {
      closeSync(fd);
    }
    if (!text) return [];
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    const beats = [];
    for (const line of lines) {
      const [label, pid, ms, token] = line.split(' ');
      if (token === undefined) continue;
      beats.push({ label, pid: Number(pid), ms: Number(ms), token });
    }
    return beats;
  }
}

/** A process as /proc shows it: its state letter and start time (clock ticks since boot), or undefined when gone. */
export function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], start: fields[19] };
  } catch {
    return undefined;
  }
}

/** The identity of a live, non-zombie process whose argv contains `token`; undefined otherwise (gone, a zombie, a reused pid). */
export function identify(pid, token) {
  const stat = procStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return undefined;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    return argv.includes(token) ? stat.start : undefined;
  } catch {
    return undefined;
  }
}

/** Still that process (same start time), alive and not a zombie. */
export function stillAlive(pid, start) {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X' && stat.start === start;
}

/** One FaultProxy per ensemble server, for one zk-coord: its whole view of the ensemble can be cut at once. */
export class ProxyGroup {
  constructor(proxies) {
    this.proxies = proxies;
    this.mode = 'pass';
  }

  static async start(clientPorts) {
    return new ProxyGroup(await Promise.all(clientPorts.map((port) => new FaultProxy(port).start())));
  }

  get connectString() {
    return this.proxies.map((p) => p.connectString).join(',');
  }

  setMode(mode) {
    this.mode = mode;
    for (const p of this.proxies) p.setMode(mode);
  }

  stop() {
    return Promise.all(this.proxies.map((p) => p.stop()));
  }
}

export const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
