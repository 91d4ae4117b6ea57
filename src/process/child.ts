import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Writable } from 'node:stream';
import { KEEPER_SCRIPT, KEEPER_STOP_SIGNALS } from './keeper.js';
import { signalStatus } from './signals.js';
import { groupHasLiveMember } from './group.js';

/** A command to supervise: one string for `/bin/sh -c` (`--exec`), or an argv run directly (`-- cmd args`). */
export type ChildCommand = { shell: string } | { argv: string[] };

export function describeCommand(command: ChildCommand): string {
  return 'shell' in command ? command.shell : command.argv.join(' ');
}

/** Exit status as a shell reports it: the code, or 128 + the signal number. */
export function shellStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal ? signalStatus(signal) : 128;
}

const DEFAULT_CLEANUP_GRACE_MS = 5000;

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let perlPath: string | null | undefined;

/** The keeper needs perl (essential on Debian, shipped with macOS); without it, a plain new session. */
function findPerl(env: NodeJS.ProcessEnv): string | null {
  if (perlPath !== undefined) return perlPath;
  perlPath = null;
  for (const dir of (env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    try {
      accessSync(join(dir, 'perl'), fsConstants.X_OK);
      perlPath = join(dir, 'perl');
      break;
    } catch {
      // not here
    }
  }
  return perlPath;
}

export interface SuperviseOptions {
  env: NodeJS.ProcessEnv;
  /**
   * The keeper SIGKILLs the whole group when `renew()` was not called for this long (ms): the hard bound of
   * the supervision margin, enforced by a process zk-coord's own stalls cannot delay. 0 or absent: none.
   */
  deadlineMs?: number | undefined;
  /**
   * The first deadline, absolute (epoch ms): when the server last provably heard us plus the margin. Absent:
   * `deadlineMs` from the keeper's start. Never later than that either way.
   */
  deadlineAt?: number | undefined;
  /** After the command's own exit, how long what it left running in its group may take after SIGTERM. */
  cleanupGraceMs?: number | undefined;
  /** Written to the command's stdin, which is then closed (a queue item); without, it shares ours. */
  input?: Buffer | undefined;
  /**
   * A hook (config watch --exec, elect --on-elected/--on-demoted): no stdin at all (/dev/null), so never the
   * terminal — Ctrl+C is zk-coord's, which decides what the running hook gets — and its stdout goes to our
   * stderr, since our stdout carries zk-coord's own results (one per event, or JSON lines). A command held
   * while it runs is not a hook: it gets the terminal and our stdout, as if the shell had started it.
   */
  hook?: boolean | undefined;
}

/**
 * A command run while something is held (an ID, leadership, a lock), in a process group of its own led by the
 * keeper (keeper.ts): every stop signals the whole group, the group dies with zk-coord, and nothing it started
 * outlives the hold except what deliberately leaves the group (setsid). Its stdio is ours (but see `input` and
 * `hook`). `exited` resolves
 * with the command's exit status (127 when it could not be started, like a shell) once the group is empty.
 */
export class SupervisedChild {
  readonly exited: Promise<number>;
  /** The keeper's pid, which is also the process group id. */
  readonly pid: number | undefined;
  /** Set when not even the keeper could be started. */
  startError: Error | undefined;
  /** True when the death guarantee holds (the keeper runs); false on a machine without perl. */
  readonly keeperRuns: boolean;
  private readonly child: ChildProcess;
  private readonly lifeline: Writable | undefined;
  private statusKnown = false;
  private groupGone = false;

  constructor(command: ChildCommand, options: SuperviseOptions) {
    const argv = 'shell' in command ? ['/bin/sh', '-c', command.shell] : command.argv;
    const perl = findPerl(options.env);
    this.keeperRuns = perl !== null;
    const stdin = options.input ? 'pipe' : options.hook ? 'ignore' : 'inherit';
    // fd 2 of ours as the hook's fd 1.
    const stdout = options.hook ? 2 : 'inherit';
    if (perl) {
      const ms = (value: number | undefined, fallback: number): string => String(Math.max(0, Math.round(value ?? fallback)));
      this.child = spawn(perl, ['-e', KEEPER_SCRIPT, ms(options.deadlineMs, 0), ms(options.cleanupGraceMs, DEFAULT_CLEANUP_GRACE_MS), ms(options.deadlineAt, 0), ...argv], {
        env: options.env,
        stdio: [stdin, stdout, 'inherit', 'pipe'],
      });
      this.lifeline = this.child.stdio[3] as Writable | undefined;
      // A keeper already gone makes renewals fail with EPIPE: nothing to do, its exit is reported anyway.
      this.lifeline?.on('error', () => undefined);
    } else {
      // A new session is the only new process group Node offers: group signals still work, the death guarantee does not.
      this.child = spawn(argv[0] ?? '', argv.slice(1), { env: options.env, stdio: [stdin, stdout, 'inherit'], detached: true });
    }
    if (options.input && this.child.stdin) {
      // A command that does not read its stdin closes the pipe early (EPIPE): that is its business.
      this.child.stdin.on('error', () => undefined);
      this.child.stdin.end(options.input);
    }
    this.pid = this.child.pid;
    const cleanupGraceMs = options.cleanupGraceMs ?? DEFAULT_CLEANUP_GRACE_MS;
    const status = new Promise<number>((resolve) => {
      this.child.on('error', (error) => {
        this.startError = error;
        resolve(127);
      });
      this.child.on('exit', (code, signal) => resolve(shellStatus(code, signal)));
    });
    this.exited = status.then(async (s) => {
      this.statusKnown = true;
      await this.emptyGroup(cleanupGraceMs);
      return s;
    });
  }

  /**
   * Moves the keeper's deadline to `until` (epoch ms; call it whenever the server was heard), or without it to
   * the relative deadline from now (a hold whose keeper guards only against zk-coord's own death or stall).
   */
  renew(until?: number): void {
    if (!this.statusKnown && this.lifeline?.writable) this.lifeline.write(`${until === undefined ? 0 : Math.round(until)}\n`);
  }

  /** Signals the whole group (the command and everything it started). */
  signal(signal: NodeJS.Signals): void {
    if (this.groupGone || this.pid === undefined) return;
    if (this.signalGroup(signal)) return;
    // ESRCH with the keeper alive: perl has not reached its setpgid yet (a stop right after the spawn), so the
    // group does not exist and a group signal would be lost — the command would start and meet only the
    // SIGKILL after --grace. Then the keeper alone exists, and a stop goes to it: before its handlers it dies
    // of it, after them it remembers it and never starts the command. A SIGKILL goes to it as SIGTERM: killed
    // just after its fork, the keeper would leave the command running without its lifeline. Should it have
    // forked in between, the group exists by then: the signal goes there too (every 5 ms, for at most a
    // second). A role signal (USR1, …) is never sent to a keeper still starting: it would kill it. A loaded CI
    // machine once took over a second to bring perl to its setpgid, which the retry alone did not cover.
    if (this.keeperRuns && !this.statusKnown && processExists(this.pid)) {
      const toKeeper = signal === 'SIGKILL' ? 'SIGTERM' : KEEPER_STOP_SIGNALS.has(signal) ? signal : undefined;
      if (toKeeper) {
        try {
          process.kill(this.pid, toKeeper);
        } catch {
          // gone meanwhile: its exit is reported anyway
        }
      }
      this.signalWhenGrouped(signal, 200);
    }
  }

  private signalGroup(signal: NodeJS.Signals): boolean {
    try {
      process.kill(-(this.pid as number), signal);
      return true;
    } catch {
      // ESRCH: nobody in the group (yet, or any more).
      return false;
    }
  }

  private signalWhenGrouped(signal: NodeJS.Signals, attemptsLeft: number): void {
    setTimeout(() => {
      if (this.groupGone || this.statusKnown || this.signalGroup(signal)) return;
      if (attemptsLeft > 1 && processExists(this.pid as number)) this.signalWhenGrouped(signal, attemptsLeft - 1);
    }, 5).unref();
  }

  private groupAlive(): boolean {
    if (this.pid === undefined) return false;
    try {
      process.kill(-this.pid, 0);
    } catch {
      return false;
    }
    return groupHasLiveMember(this.pid);
  }

  /**
   * After the command's status is known: what it left in its group gets SIGTERM, then SIGKILL after the
   * grace. Polled (every 20 ms, bounded by the grace): no event says a process group became empty.
   */
  private async emptyGroup(graceMs: number): Promise<void> {
    if (!this.groupAlive()) {
      this.groupGone = true;
      return;
    }
    this.signal('SIGTERM');
    const killAt = Date.now() + graceMs;
    let killed = false;
    for (let rounds = 0; this.groupAlive() && rounds < 1000; rounds += 1) {
      if (!killed && Date.now() >= killAt) {
        this.signal('SIGKILL');
        killed = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.groupGone = true;
  }

  /** `signal` (SIGTERM unless given) to the group, SIGKILL after `graceMs`; resolves with the exit status once the group is empty. */
  async terminate(graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
    if (this.groupGone) return this.exited;
    this.signal(signal);
    const timer = setTimeout(() => this.signal('SIGKILL'), Math.max(0, graceMs));
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Runs a hook command per event, one at a time and in order (`config watch --exec`), so a slow hook never
 * sees events out of order. Each runs in a process group of its own, like every supervised command, and a
 * stop of zk-coord reaches the running one's whole group (`stop`).
 */
export class HookRunner {
  private queue: Promise<void> = Promise.resolve();
  private current: SupervisedChild | undefined;
  private stopped = false;
  private pending = 0;

  constructor(
    private readonly command: string,
    private readonly baseEnv: NodeJS.ProcessEnv,
    private readonly onFailure: (status: number) => void,
    /** How long what a hook left in its group may take after SIGTERM (--grace). */
    private readonly cleanupGraceMs?: number,
  ) {}

  run(env: Record<string, string>): void {
    this.pending += 1;
    this.queue = this.queue.then(async () => {
      this.pending -= 1;
      if (this.stopped) return;
      let status: number;
      try {
        const child = new SupervisedChild({ shell: this.command }, { env: { ...this.baseEnv, ...env }, hook: true, cleanupGraceMs: this.cleanupGraceMs });
        this.current = child;
        status = await child.exited;
      } catch {
        // spawn throws at once for an environment it cannot pass (a value with a NUL byte, E2BIG): that
        // event's hook fails like a command that could not run; the queue goes on.
        status = 126;
      } finally {
        this.current = undefined;
      }
      if (status !== 0 && !this.stopped) this.onFailure(status);
    });
  }

  /** Resolves once every hook queued so far has run. */
  idle(): Promise<void> {
    return this.queue;
  }

  /**
   * zk-coord is stopping: hooks not started yet never run; the running one's group gets `signal` (the one
   * zk-coord received, passed on: a Ctrl+C at the terminal, which only zk-coord heard, reaches the hook as if it
   * had the terminal), SIGKILL after `graceMs`. Resolves once the
   * group is empty, with the number of hooks that never ran.
   */
  async stop(signal: NodeJS.Signals, graceMs: number): Promise<number> {
    this.stopped = true;
    const dropped = this.pending;
    await this.current?.terminate(graceMs, signal);
    await this.queue;
    return dropped;
  }
}
