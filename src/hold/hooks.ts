import type { ChildCommand, SuperviseOptions } from '../process/child.js';
import type { Role } from './role-file.js';

/** A running hook as the queue needs it (SupervisedChild; unit tests give a fake). */
export interface HookProcess {
  readonly exited: Promise<number>;
  terminate(graceMs: number, signal?: NodeJS.Signals): Promise<number>;
}

export interface TransitionHooksOptions {
  onElected?: string | undefined;
  onDemoted?: string | undefined;
  /** Past this, a hook's whole process group is killed and the next one runs. */
  timeoutMs: number;
  /** The environment every hook gets (ours, with ZK_COORD_PATH and ZK_COORD_NAME). */
  env: NodeJS.ProcessEnv;
  supervise: (command: ChildCommand, options: SuperviseOptions) => HookProcess;
  /** A hook ended with a non-zero status, or was killed at its timeout. */
  onResult?: (result: HookResult) => void;
}

export interface HookResult {
  hook: 'on-elected' | 'on-demoted';
  status: number;
  timedOut: boolean;
  sequence: number;
}

/**
 * --on-elected / --on-demoted: one hook at a time, in the order of the transitions, each bounded by its timeout
 * (and by a deadline the caller gives: the margin before the server can expire a silent session). Unlike
 * keepalived's notify scripts (run concurrently: keepalived #996) nothing overlaps; unlike Patroni's callbacks
 * (a running one is killed when the next comes: patroni #2445) a hook is never cut short by the next
 * transition, only by its own timeout — and the next hook then sees the roles in order.
 */
export class TransitionHooks {
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: TransitionHooksOptions) {}

  get any(): boolean {
    return this.options.onElected !== undefined || this.options.onDemoted !== undefined;
  }

  /**
   * Queues the hook of a transition; resolves once it has run (or was skipped, or killed at its timeout or at
   * `deadlineAt`, epoch ms).
   */
  transition(to: Role, from: Role, sequence: number, deadlineAt?: number): Promise<void> {
    const shell = to === 'leader' ? this.options.onElected : this.options.onDemoted;
    if (shell === undefined) return this.queue;
    const hook = to === 'leader' ? 'on-elected' : 'on-demoted';
    this.queue = this.queue.then(async () => {
      const env = { ...this.options.env, ZK_COORD_ROLE: to, ZK_COORD_PREVIOUS_ROLE: from, ZK_COORD_SEQUENCE: String(sequence) };
      const budget = Math.max(0, Math.min(this.options.timeoutMs, deadlineAt === undefined ? Infinity : deadlineAt - Date.now()));
      const child = this.options.supervise({ shell }, { env, cleanupGraceMs: 0 });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), budget)));
      const first = await Promise.race([child.exited, timedOut]);
      clearTimeout(timer);
      if (first === 'timeout') {
        const status = await child.terminate(0, 'SIGKILL');
        this.options.onResult?.({ hook, status, timedOut: true, sequence });
      } else if (first !== 0) {
        this.options.onResult?.({ hook, status: first, timedOut: false, sequence });
      }
    });
    return this.queue;
  }

  /** Resolves when every queued hook has run. */
  idle(): Promise<void> {
    return this.queue;
  }
}
