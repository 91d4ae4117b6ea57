import { OwnershipLostError, StoppedError } from '../recipes/errors.js';
import { formatDuration } from '../units.js';
import type { ChildCommand, SuperviseOptions } from '../process/child.js';
import { whenAborted } from '../process/signals.js';
import type { Hold, Release } from './hold.js';
import { SuspensionGuard, hardStopAt, keeperDeadlineMs, type SessionView } from './margin.js';

/** The running command as the lifecycle needs it (SupervisedChild; unit tests give a fake). */
export interface Supervised {
  readonly pid: number | undefined;
  /** Resolves with the command's exit status once its whole process group is gone. */
  readonly exited: Promise<number>;
  readonly startError?: Error | undefined;
  /** Moves the keeper's deadline to `until` (epoch ms), or the relative deadline from now. */
  renew(until?: number): void;
  terminate(graceMs: number, signal?: NodeJS.Signals): Promise<number>;
}

export type Supervise = (command: ChildCommand, options: SuperviseOptions) => Supervised;

export interface HoldPolicy {
  /** After SIGTERM, how long the command may take before SIGKILL; capped by the margin while suspended. */
  termGraceMs: number;
  /** Disconnected this long, the hold counts as lost (default: a quarter of the session timeout; capped by the margin). */
  suspendGraceMs?: number | undefined;
  /**
   * An advisory hold (a service registration) excludes no one, so losing it endangers nothing: a disconnection
   * is no loss, and after a loss `reacquire` takes it again (a new session where needed) while the command
   * runs on, as Curator re-registers its instances on reconnect. The keeper then guards only against zk-coord
   * itself dying or stalling (renewed by our own timer, not by the server's bytes). Without `reacquire`, or
   * with `advisory` false, a loss stops the command.
   */
  advisory?: boolean | undefined;
}

/** A new session (or the same one, still alive) and the acquire step to run on it. */
export interface Reacquire<Detail> {
  session: SessionView;
  acquire: (signal: AbortSignal) => Promise<Hold<Detail>>;
}

export interface HoldRun<Detail = unknown> {
  /** The session the hold lives in (a ZkClient). */
  session: SessionView;
  /** Takes the hold: waits for a turn, claims an ID, creates a node. Rejects with StoppedError when `signal` aborts. */
  acquire: (signal: AbortSignal) => Promise<Hold<Detail>>;
  /** Aborted on SIGINT/SIGTERM (its reason: the signal's name). */
  signal: AbortSignal;
  policy: HoldPolicy;
  /** The command to run while holding, with its environment. */
  command?:
    | {
        command: ChildCommand;
        env: (hold: Hold<Detail>) => NodeJS.ProcessEnv;
        /** Bytes for the command's stdin (a queue item); without, the command shares our stdin. */
        input?: ((hold: Hold<Detail>) => Buffer | undefined) | undefined;
        supervise: Supervise;
      }
    | undefined;
  onEvent?: (event: HoldEvent<Detail>) => void;
  /**
   * Advisory holds: called after a loss, with the loss; resolves with where to take the hold again. `signal`
   * aborts when the stop signal comes or the command ends meanwhile (reject with StoppedError then).
   */
  reacquire?: (lost: Error, signal: AbortSignal) => Promise<Reacquire<Detail>>;
  /**
   * The hold is ending (stop, loss, the command's exit): run alongside the command's stop and awaited before the
   * release (elect's --on-demoted). `deadlineAt` (epoch ms) is the margin's hard stop while the server is silent.
   */
  leaving?: (deadlineAt: number | undefined) => Promise<void>;
}

export type HoldEvent<Detail = unknown> =
  /** Ours, announced before any command starts; `again` after an advisory hold was taken again. */
  | { type: 'acquired'; hold: Hold<Detail>; again?: boolean }
  /** An advisory hold was lost; it is being taken again while the command runs on. */
  | { type: 'reacquiring'; error: Error }
  | { type: 'spawned'; pid: number | undefined }
  /** The command is being stopped: SIGTERM (or the signal received) now, SIGKILL after `graceMs`. */
  | { type: 'stopping'; why: 'signal' | 'lost'; graceMs: number }
  | { type: 'released'; release: Release };

export type HoldOutcome =
  /** Stopped before anything was announced or run (still connecting, waiting, or the turn came with the stop). */
  | { kind: 'interrupted'; signal: NodeJS.Signals; release?: Release }
  /** Stopped by a signal while holding; with a command, its status after the signal was forwarded. */
  | { kind: 'stopped'; signal: NodeJS.Signals; release: Release; commandStatus?: number }
  /** The command ended by itself. */
  | { kind: 'command-exited'; status: number; release: Release; startError?: Error }
  /** No longer ours (session lost, node deleted, suspended past the grace); the command was stopped. */
  | { kind: 'lost'; error: Error; release: Release; commandStatus?: number };

function signalName(reason: unknown): NodeJS.Signals {
  return typeof reason === 'string' && reason.startsWith('SIG') ? (reason as NodeJS.Signals) : 'SIGTERM';
}


/**
 * The life of every hold — claim, elect, lock, config set -e, and the holders to come: acquire → announce →
 * run the command (in its own process group, with the keeper's deadline renewed by every proof that the
 * server heard us; never started once that deadline has passed) → hold until a stop signal, the command's exit, or the loss (including a suspension past the grace)
 * → stop the command within the margin → release exactly once. Never prints or exits: events and a typed
 * outcome. A stop that arrives before the command is spawned leaves nothing announced and nothing run.
 */
export async function runHold<Detail>(run: HoldRun<Detail>): Promise<HoldOutcome> {
  const { signal, policy } = run;
  let session = run.session;
  let hold: Hold<Detail>;
  try {
    if (signal.aborted) throw new StoppedError(signal.reason);
    hold = await run.acquire(signal);
  } catch (error) {
    if (error instanceof StoppedError) return { kind: 'interrupted', signal: signalName(error.reason ?? signal.reason) };
    throw error;
  }
  const release = async (): Promise<Release> => {
    const result = await hold.release();
    run.onEvent?.({ type: 'released', release: result });
    return result;
  };
  if (signal.aborted) return { kind: 'interrupted', signal: signalName(signal.reason), release: await release() };

  const advisory = policy.advisory === true && run.reacquire !== undefined;
  // An advisory hold is not given up for a disconnection: only a real loss (or the node going) counts.
  const guard = advisory ? undefined : new SuspensionGuard(session, hold.what, policy.suspendGraceMs);
  const suspendedTooLong = new Promise<Error>((resolve) => guard?.once('expired', resolve));
  guard?.start();
  let renew: (() => void) | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  let child: Supervised | undefined;
  let disposeStop: (() => void) | undefined;
  try {
    // Paused or starved between the acquire and here (a SIGSTOP right after the create, seen in the soak), the
    // session may already have expired and someone else may hold: announce nothing and never start the command.
    if (run.command && !advisory && Date.now() >= hardStopAt(session)) {
      return { kind: 'lost', error: new OwnershipLostError(hold.what, `no word from ZooKeeper for ${formatDuration(Date.now() - session.heardUsAt)}`), release: await release() };
    }
    run.onEvent?.({ type: 'acquired', hold });
    if (run.command) {
      const { command, env, supervise } = run.command;
      const deadlineMs = keeperDeadlineMs(session.sessionTimeoutMs);
      const deadlineAt = advisory ? undefined : hardStopAt(session);
      const input = run.command.input?.(hold);
      child = supervise(command, { env: env(hold), deadlineMs, deadlineAt, cleanupGraceMs: policy.termGraceMs, ...(input ? { input } : {}) });
      const running = child;
      // Exclusive: until the margin after the server last provably heard us. Advisory: while zk-coord lives.
      renew = advisory ? () => running.renew() : () => running.renew(hardStopAt(session));
      if (advisory) keepAlive = setInterval(renew, Math.max(10, Math.floor(deadlineMs / 4)));
      else session.on('heard', renew);
      run.onEvent?.({ type: 'spawned', pid: child.pid });
    }
    const exited = child?.exited.then((status) => ({ kind: 'exited' as const, status }));
    type First = { kind: 'stopped' } | { kind: 'exited'; status: number } | { kind: 'lost'; error: Error };
    const aborted = whenAborted(signal);
    disposeStop = aborted.dispose;
    const stopped = aborted.then(() => ({ kind: 'stopped' as const }));
    let first: First;
    let lostRelease: Release | undefined;
    for (;;) {
      const race: Promise<First>[] = [stopped, Promise.race([hold.lost, suspendedTooLong]).then((error) => ({ kind: 'lost' as const, error }))];
      if (exited) race.push(exited);
      first = await Promise.race(race);
      if (first.kind !== 'lost' || !advisory || !run.reacquire) break;
      // Advisory: give up what is left of the old hold (nothing, after a lost session), take it again, the
      // command running on. A stop or the command's end meanwhile ends the attempt.
      run.onEvent?.({ type: 'reacquiring', error: first.error });
      lostRelease = await hold.release();
      const ended = new AbortController();
      void exited?.then(() => ended.abort('exited'));
      const attempt = AbortSignal.any([signal, ended.signal]);
      try {
        const next = await run.reacquire(first.error, attempt);
        const taken = await next.acquire(attempt);
        if (attempt.aborted) {
          await taken.release();
        } else {
          hold = taken;
          session = next.session;
          lostRelease = undefined;
          run.onEvent?.({ type: 'acquired', hold, again: true });
          continue;
        }
      } catch (error) {
        if (!(error instanceof StoppedError) && !attempt.aborted) {
          // Taken again by someone else, say: the command must not outlive its registration unsupervised.
          await child?.terminate(policy.termGraceMs, 'SIGTERM');
          throw error;
        }
      }
      first = signal.aborted ? { kind: 'stopped' } : await (exited as Promise<First>);
      break;
    }
    const deadlineAt = (): number | undefined => (session.state === 'connected' ? undefined : hardStopAt(session));
    if (first.kind === 'exited') {
      hold.commandEnded?.(first.status);
      await run.leaving?.(deadlineAt());
      const startError = child?.startError;
      return { kind: 'command-exited', status: first.status, release: lostRelease ?? (await release()), ...(startError ? { startError } : {}) };
    }
    let commandStatus: number | undefined;
    const leaving = run.leaving?.(deadlineAt());
    if (child) {
      // Healthy, the command gets its whole grace; suspended, only what is left before the hard stop.
      const graceMs =
        advisory || session.state === 'connected' ? policy.termGraceMs : Math.max(0, Math.min(policy.termGraceMs, hardStopAt(session) - Date.now()));
      run.onEvent?.({ type: 'stopping', why: first.kind === 'stopped' ? 'signal' : 'lost', graceMs });
      // The signal we got goes to the command's group first (Ctrl+C stays Ctrl+C); a loss sends SIGTERM.
      commandStatus = await child.terminate(graceMs, first.kind === 'stopped' ? signalName(signal.reason) : 'SIGTERM');
    }
    await leaving;
    const released = lostRelease ?? (await release());
    const status = commandStatus !== undefined ? { commandStatus } : {};
    if (first.kind === 'stopped') return { kind: 'stopped', signal: signalName(signal.reason), release: released, ...status };
    return { kind: 'lost', error: first.error, release: released, ...status };
  } catch (error) {
    // Whatever went wrong, the hold is not left behind (release is once-only: a second call is the first's result).
    await hold.release().catch(() => undefined);
    throw error;
  } finally {
    disposeStop?.();
    guard?.stop();
    if (keepAlive) clearInterval(keepAlive);
    if (renew) session.off('heard', renew);
  }
}
