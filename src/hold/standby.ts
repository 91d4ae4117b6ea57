import { OwnershipLostError } from '../recipes/errors.js';
import { SessionLostError, type ZkClient } from '../zk/index.js';
import type { ChildCommand, SuperviseOptions } from '../process/child.js';
import { whenAborted } from '../process/signals.js';
import type { Hold, Release } from './hold.js';
import type { HoldPolicy, Supervised } from './lifecycle.js';
import { SuspensionGuard, hardStopAt } from './margin.js';
import type { TransitionHooks } from './hooks.js';
import type { Role, RoleFile } from './role-file.js';
import type { HolderStatus } from './status.js';

/** The standby command as the lifecycle needs it: a Supervised that can also be signalled (--role-signal). */
export interface StandbyChild extends Supervised {
  signal(signal: NodeJS.Signals): void;
}

export interface StandbyRun {
  /** The first session (a ZkClient). */
  session: ZkClient;
  /** Campaigns in a session: resolves once we lead; `onFollowing` is called whenever we are found not to. */
  acquire: (client: ZkClient, onFollowing: (leader: string | undefined) => void) => (signal: AbortSignal) => Promise<Hold>;
  /** Follows who leads (every candidate, not only the one we wait behind); `onLeader` gets the leader's name. */
  observeLeader?: (client: ZkClient, onLeader: (leader: string | undefined) => void) => Promise<{ stop(): void }>;
  /** Gives up a session (lost, or given up past the grace) and resolves with a new connected one. */
  renew: (previous: ZkClient) => Promise<ZkClient>;
  /** Aborted on SIGINT/SIGTERM (its reason: the signal's name). */
  signal: AbortSignal;
  policy: HoldPolicy;
  /** Our name: the leader line of the role file while we lead. */
  name: string;
  roles: { file: RoleFile; signal?: NodeJS.Signals | undefined; hooks: TransitionHooks; status?: HolderStatus | undefined };
  /** The command that runs whatever the role. */
  command?: { command: ChildCommand; env: (role: Role) => NodeJS.ProcessEnv; supervise: (command: ChildCommand, options: SuperviseOptions) => StandbyChild } | undefined;
  onEvent?: (event: StandbyEvent) => void;
}

export type StandbyEvent =
  | { type: 'role'; role: Role; previous: Role | undefined; sequence: number; leader: string | undefined; hold?: Hold | undefined }
  | { type: 'spawned'; pid: number | undefined }
  /** The session is gone or given up; a new one campaigns again (the command keeps running). */
  | { type: 'session-lost'; error: Error; wasLeader: boolean }
  | { type: 'stopping'; graceMs: number }
  | { type: 'released'; release: Release };

export type StandbyOutcome =
  | { kind: 'interrupted'; signal: NodeJS.Signals }
  | { kind: 'stopped'; signal: NodeJS.Signals; release: Release; commandStatus?: number }
  | { kind: 'command-exited'; status: number; release: Release; startError?: Error };

const LEFT: Release = { confirmed: true, how: 'deleted' };

function signalName(reason: unknown): NodeJS.Signals {
  return typeof reason === 'string' && reason.startsWith('SIG') ? (reason as NodeJS.Signals) : 'SIGTERM';
}

/**
 * The role as the command and the outside see it: the role file (rewritten by rename), --role-signal, the
 * hooks, the status. `set` is awaited for a demotion: the file says follower, the signal has gone and
 * --on-demoted has ended (or was killed at its timeout or at the deadline) when it resolves.
 */
class RoleState {
  role: Role | undefined;
  leader: string | undefined;
  private sequence = 0;
  child: StandbyChild | undefined;

  constructor(private readonly run: StandbyRun) {}

  set(role: Role, leader: string | undefined, deadlineAt?: number, hold?: Hold): Promise<void> {
    const previous = this.role;
    if (previous === role && this.leader === leader) return Promise.resolve();
    this.role = role;
    this.leader = leader;
    this.sequence += 1;
    const { file, signal, hooks, status } = this.run.roles;
    file.write(role, this.sequence, leader);
    status?.update({ role, leader: leader ?? null, ...(role === 'follower' ? { token: null, node: null } : {}) });
    this.run.onEvent?.({ type: 'role', role, previous, sequence: this.sequence, leader, hold });
    if (previous === role) return Promise.resolve();
    if (previous !== undefined && signal) this.child?.signal(signal);
    // Starting as follower runs nothing; starting as leader runs --on-elected.
    if (previous === undefined && role === 'follower') return Promise.resolve();
    return hooks.transition(role, previous ?? 'follower', this.sequence, deadlineAt, role === 'leader' ? hold?.token : undefined);
  }

  /** A leader seen by the observer: only a follower's leader line follows it (ours is our own name). */
  seen(leader: string | undefined): void {
    if (this.role === 'follower') void this.set('follower', leader);
  }
}

/**
 * `elect --standby`: the command starts on every candidate as soon as its role is known and runs whatever the
 * role; what changes is the role (file, signal, hooks). Demotion first, the margin's rule for a leader: a leader
 * whose server went silent is demoted at suspension + the grace, its --on-demoted capped by the hard stop
 * (t0 + 5T/8), so it has ended at least T/4 (3T/8 by default) before the server can expire the session and let
 * another candidate lead. A lost session never ends the command: it follows and campaigns again with a new
 * session. Stopping (SIGINT/SIGTERM) demotes first, then leaves the election, then stops the command. The
 * command's keeper has no deadline here (it is not exclusive; the role is): it still dies with zk-coord.
 */
export async function runStandby(run: StandbyRun): Promise<StandbyOutcome> {
  const { signal } = run;
  const roles = new RoleState(run);
  let client = run.session;
  let child: StandbyChild | undefined;
  let childExited: Promise<{ kind: 'exited'; status: number }> | undefined;
  const aborted = whenAborted(signal);
  const stopped = aborted.then(() => ({ kind: 'stopped' as const }));
  const never = new Promise<never>(() => {});

  const stopChild = async (): Promise<number | undefined> => {
    if (!child) return undefined;
    run.onEvent?.({ type: 'stopping', graceMs: run.policy.termGraceMs });
    return child.terminate(run.policy.termGraceMs, signal.aborted ? signalName(signal.reason) : 'SIGTERM');
  };
  const marginDeadline = (): number | undefined => (client.state === 'connected' ? undefined : hardStopAt(client));
  const release = async (hold: Hold): Promise<Release> => {
    const result = await hold.release();
    run.onEvent?.({ type: 'released', release: result });
    return result;
  };

  try {
    for (;;) {
      // One session's campaign.
      const campaign = new AbortController();
      const onStop = (): void => campaign.abort(signal.reason);
      signal.addEventListener('abort', onStop, { once: true });
      let followed: () => void = () => {};
      const firstFollow = new Promise<{ kind: 'following' }>((resolve) => (followed = () => resolve({ kind: 'following' })));
      const acquiring = (async () => run.acquire(client, (leader) => {
        followed();
        if (roles.role !== 'leader') void roles.set('follower', leader);
      })(campaign.signal))().then(
        (hold) => ({ kind: 'held' as const, hold }),
        (error: unknown) => ({ kind: 'failed' as const, error }),
      );
      const observer = run.observeLeader ? await run.observeLeader(client, (leader) => roles.seen(leader)).catch(() => undefined) : undefined;
      const guard = new SuspensionGuard(client, 'leadership', run.policy.suspendGraceMs);
      const suspendedTooLong = new Promise<{ kind: 'lost'; error: Error }>((resolve) => guard.once('expired', (error) => resolve({ kind: 'lost', error })));
      let hold: Hold | undefined;
      try {
        if (!child) {
          const first = await Promise.race([acquiring, firstFollow, stopped]);
          if (first.kind === 'stopped') {
            campaign.abort(signal.reason);
            const settled = await acquiring;
            if (settled.kind === 'held') await release(settled.hold);
            return { kind: 'interrupted', signal: signalName(signal.reason) };
          }
          if (first.kind === 'held') {
            hold = first.hold;
            guard.start();
          }
          if (first.kind !== 'failed') {
            const initial: Role = hold ? 'leader' : 'follower';
            void roles.set(initial, hold ? run.name : roles.leader, undefined, hold);
            if (run.command) {
              const { command, env, supervise } = run.command;
              child = supervise(command, { env: env(initial), cleanupGraceMs: run.policy.termGraceMs });
              roles.child = child;
              childExited = child.exited.then((status) => ({ kind: 'exited' as const, status }));
              run.onEvent?.({ type: 'spawned', pid: child.pid });
            }
          }
        }
        for (;;) {
          const race: Promise<
            | { kind: 'stopped' }
            | { kind: 'exited'; status: number }
            | { kind: 'held'; hold: Hold }
            | { kind: 'failed'; error: unknown }
            | { kind: 'lost'; error: Error }
          >[] = [stopped, childExited ?? never];
          if (hold) race.push(hold.lost.then((error) => ({ kind: 'lost' as const, error })), suspendedTooLong);
          else race.push(acquiring);
          let next = await Promise.race(race);
          if (next.kind === 'held') {
            hold = next.hold;
            guard.start();
            // Not awaited: --on-elected runs while we keep watching (a stop or a loss queues --on-demoted after it).
            void roles.set('leader', run.name, undefined, hold);
            continue;
          }
          if (next.kind === 'failed' && signal.aborted) {
            next = { kind: 'stopped' };
          }
          if (next.kind === 'stopped' || next.kind === 'exited') {
            let released: Release = LEFT;
            if (hold) {
              await roles.set('follower', undefined, marginDeadline());
              released = await release(hold);
            } else {
              campaign.abort(signal.reason ?? 'SIGTERM');
              const settled = await acquiring;
              if (settled.kind === 'held') released = await release(settled.hold);
            }
            if (next.kind === 'exited') {
              const startError = child?.startError;
              return { kind: 'command-exited', status: next.status, release: released, ...(startError ? { startError } : {}) };
            }
            const commandStatus = await stopChild();
            child = undefined;
            return { kind: 'stopped', signal: signalName(signal.reason), release: released, ...(commandStatus !== undefined ? { commandStatus } : {}) };
          }
          // Lost while leading (node gone, session lost, or silent past the grace), or the campaign failed.
          const error = next.error;
          if (next.kind === 'failed' && !(error instanceof SessionLostError || error instanceof OwnershipLostError)) throw error;
          const wasLeader = hold !== undefined;
          if (hold) {
            // Demotion first: before the server can expire the session, so before anyone else can lead.
            await roles.set('follower', undefined, marginDeadline());
            await release(hold);
            hold = undefined;
          } else {
            campaign.abort('lost');
          }
          run.onEvent?.({ type: 'session-lost', error: error instanceof Error ? error : new Error(String(error)), wasLeader });
          break;
        }
      } finally {
        guard.stop();
        observer?.stop();
        signal.removeEventListener('abort', onStop);
      }
      try {
        client = await run.renew(client);
      } catch (error) {
        if (!signal.aborted) throw error;
        const commandStatus = await stopChild();
        child = undefined;
        return { kind: 'stopped', signal: signalName(signal.reason), release: LEFT, ...(commandStatus !== undefined ? { commandStatus } : {}) };
      }
    }
  } finally {
    aborted.dispose();
    // Whatever went wrong, the command does not outlive us (its keeper would kill it anyway when we exit).
    if (child) await child.terminate(run.policy.termGraceMs).catch(() => undefined);
  }
}
