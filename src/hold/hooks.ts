import type { ChildCommand, SuperviseOptions } from '../process/child.js';
import type { Role } from './role-file.js';

/** A running hook as the queue needs it (SupervisedChild; unit tests give a fake). */
export interface HookProcess {
  readonly exited: Promise<number>;
  terminate(graceMs: number, signal?: NodeJS.Signals): Promise<number>;
  /** Moves the keeper's own deadline (epoch ms) earlier. */
  renew?(until: number): void;
}

/**
 * The keeper kills a hook this long after the moment zk-coord's own timer should have: only a zk-coord that is
 * paused (SIGSTOP) or starved then, which could not kill it in time itself. Well inside the margin a demotion
 * deadline leaves before the server can expire the session (at least T/4).
 */
const KEEPER_BACKSTOP_MS = 250;

export interface TransitionHooksOptions {
  onElected?: string | undefined;
  onDemoted?: string | undefined;
  /** Past this, a hook's whole process group is killed and the next one runs. */
  timeoutMs: number;
  /** The environment every hook gets (ours, with ZK_COORD_PATH and ZK_COORD_NAME). */
  env: NodeJS.ProcessEnv;
  supervise: (command: ChildCommand, options: SuperviseOptions) => HookProcess;
  /** A hook ended with a non-zero status, was killed at its timeout or a deadline, or could not run. */
  onResult?: (result: HookResult) => void;
}

export interface HookResult {
  hook: 'on-elected' | 'on-demoted';
  /** The hook's exit status; undefined when it was not run (`ended: 'not-run'`). */
  status: number | undefined;
  /**
   * How it ended, when that is news: a non-zero status (`exited`), killed at `--hook-timeout` (`timeout`),
   * killed at the deadline of a demotion (`deadline`: past it another candidate may lead), never started
   * because that deadline had passed (`not-run`), or could not be started at all (`spawn-failed`).
   */
  ended: 'exited' | 'timeout' | 'deadline' | 'not-run' | 'spawn-failed';
  sequence: number;
}

/** A queued or running hook: when it must have ended, and how a running one learns of an earlier deadline. */
interface QueuedHook {
  endsBy: number;
  byDeadline: boolean;
  onEarlier?: (() => void) | undefined;
}

/**
 * --on-elected / --on-demoted: one hook at a time, in the order of the transitions, each bounded by its timeout
 * (and by a deadline the caller gives: the margin before the server can expire a silent session). Unlike
 * keepalived's notify scripts (run concurrently: keepalived #996) nothing overlaps; unlike Patroni's callbacks
 * (a running one is killed when the next comes: patroni #2445) a hook is never cut short by the next
 * transition, only by its own timeout — or by a demotion's deadline, which binds every hook queued before it
 * too (a running --on-elected included): past it another candidate may lead, and no hook of ours may still
 * act as leader then.
 */
export class TransitionHooks {
  private queue: Promise<void> = Promise.resolve();
  /** Hooks queued or running, not yet ended. */
  private readonly unfinished = new Set<QueuedHook>();

  constructor(private readonly options: TransitionHooksOptions) {}

  get any(): boolean {
    return this.options.onElected !== undefined || this.options.onDemoted !== undefined;
  }

  /**
   * Queues the hook of a transition; resolves once it has run (or was skipped, or killed at its timeout or at
   * `deadlineAt`, epoch ms). `deadlineAt` also binds the hooks queued before this one. `token`: the fencing
   * token of the leadership just taken.
   */
  transition(to: Role, from: Role, sequence: number, deadlineAt?: number, token?: bigint): Promise<void> {
    if (deadlineAt !== undefined) {
      for (const queued of this.unfinished) {
        if (deadlineAt >= queued.endsBy) continue;
        queued.endsBy = deadlineAt;
        queued.byDeadline = true;
        queued.onEarlier?.();
      }
    }
    const shell = to === 'leader' ? this.options.onElected : this.options.onDemoted;
    if (shell === undefined) return this.queue;
    const hook = to === 'leader' ? 'on-elected' : 'on-demoted';
    const queued: QueuedHook = { endsBy: deadlineAt ?? Infinity, byDeadline: deadlineAt !== undefined };
    this.unfinished.add(queued);
    this.queue = this.queue.then(async () => {
      try {
        // --on-elected gets the leadership's fencing token, as the command does (ZK_COORD_TOKEN).
        const roleEnv = { ZK_COORD_ROLE: to, ZK_COORD_PREVIOUS_ROLE: from, ZK_COORD_SEQUENCE: String(sequence), ...(token !== undefined ? { ZK_COORD_TOKEN: token.toString() } : {}) };
        await this.runOne(shell, hook, roleEnv, sequence, queued);
      } finally {
        this.unfinished.delete(queued);
      }
    });
    return this.queue;
  }

  private async runOne(shell: string, hook: HookResult['hook'], roleEnv: Record<string, string>, sequence: number, queued: QueuedHook): Promise<void> {
    const report = (ended: HookResult['ended'], status: number | undefined): void => this.options.onResult?.({ hook, status, ended, sequence });
    const startedAt = Date.now();
    if (queued.byDeadline && queued.endsBy <= startedAt) return report('not-run', undefined);
    if (startedAt + this.options.timeoutMs < queued.endsBy) {
      queued.endsBy = startedAt + this.options.timeoutMs;
      queued.byDeadline = false;
    }
    let child: HookProcess;
    try {
      // A hook, as config watch's: never the terminal, so Ctrl+C stays zk-coord's (which then demotes and
      // leaves, in order) instead of interrupting the hook that happens to be running; its stdout on our stderr.
      child = this.options.supervise(
        { shell },
        {
          env: { ...this.options.env, ...roleEnv },
          cleanupGraceMs: 0,
          hook: true,
          // The keeper's deadline, a backstop to ours: a paused zk-coord cannot leave a hook running past it.
          deadlineMs: queued.endsBy - startedAt + KEEPER_BACKSTOP_MS,
          deadlineAt: queued.endsBy + KEEPER_BACKSTOP_MS,
        },
      );
    } catch {
      // spawn throws at once for an environment it cannot pass (E2BIG): that hook fails alone, the queue goes on.
      return report('spawn-failed', 126);
    }
    let timer: NodeJS.Timeout | undefined;
    const cut = new Promise<'cut'>((resolve) => {
      const arm = (): void => {
        clearTimeout(timer);
        child.renew?.(queued.endsBy + KEEPER_BACKSTOP_MS);
        timer = setTimeout(() => resolve('cut'), Math.max(0, queued.endsBy - Date.now()));
      };
      queued.onEarlier = arm;
      arm();
    });
    const first = await Promise.race([child.exited, cut]);
    clearTimeout(timer);
    queued.onEarlier = undefined;
    if (first === 'cut') {
      const status = await child.terminate(0, 'SIGKILL');
      report(queued.byDeadline ? 'deadline' : 'timeout', status);
    } else if (first !== 0) {
      report('exited', first);
    }
  }

  /** Resolves when every queued hook has run. */
  idle(): Promise<void> {
    return this.queue;
  }
}
