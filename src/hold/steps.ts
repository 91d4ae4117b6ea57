import { claimLowestFreeId, type ClaimOptions, type ClaimedId } from '../recipes/claim/claim.js';
import { SequentialContender, type ContenderNode, type ContenderOptions, type Turn, type WaitingInfo } from '../recipes/contenders/contenders.js';
import type { Convention } from '../recipes/contenders/conventions.js';
import { createEphemeral } from '../recipes/config/values.js';
import { PoolLease, leasePoolLayout, resolveSemaphore, semaphoresPresent, type LeaseTaken, type LeaseWaiting, type SemaphoreKind } from '../recipes/contenders/lease-pool.js';
import { registerInstance, type RegisterOptions } from '../recipes/discovery/registration.js';
import type { ServiceInstance } from '../recipes/discovery/service-instance.js';
import { BarrierMember, type BarrierOpening, type EnterOptions } from '../recipes/barrier/barrier.js';
import { consumeItem, releaseItem, takeItem, type TakeOptions, type TakenItem } from '../recipes/queue/queue.js';
import type { Acl, Stat, ZkClient } from '../zk/index.js';
import { holdOwnedNode, releaseOwnedNode, type Hold } from './hold.js';

/**
 * Acquire steps: each recipe's way of taking something, as the lifecycle's `acquire`. Where a new kind of
 * holder plugs in (a registration, a barrier membership, a queue item): one more function here.
 */

/** The lowest free ID under a parent (claim). */
export function claimIdStep(client: ZkClient, options: Omit<ClaimOptions, 'signal'>): (signal: AbortSignal) => Promise<Hold<ClaimedId>> {
  return async (signal) => {
    const claimed = await claimLowestFreeId(client, { ...options, signal });
    return holdOwnedNode(client, { path: claimed.path, what: `ID ${claimed.id}`, token: claimed.token, detail: claimed });
  };
}

export interface TurnTaken extends Turn {
  node: ContenderNode;
  contender: SequentialContender;
}

/** A turn among sorted contenders (elect, lock, a semaphore slot): enter, wait, hold; leave on any failure. */
export function contenderStep(
  client: ZkClient,
  options: ContenderOptions & {
    what: string;
    waitTimeoutMs?: number | undefined;
    onEntered?: (contender: SequentialContender) => void;
    onWaiting?: (info: WaitingInfo, contender: SequentialContender) => void;
    /** While held: a contender of another library's convention joined (watchForeign). */
    onForeign?: (node: ContenderNode, convention: Convention, ours: Convention) => void;
  },
): (signal: AbortSignal) => Promise<Hold<TurnTaken>> {
  return async (signal) => {
    const contender = new SequentialContender(client, options);
    try {
      const node = await contender.enter();
      options.onEntered?.(contender);
      const turn = await contender.awaitTurn({
        signal,
        deadline: options.waitTimeoutMs !== undefined ? Date.now() + options.waitTimeoutMs : undefined,
        timeoutMs: options.waitTimeoutMs,
        onWaiting: (info) => options.onWaiting?.(info, contender),
      });
      const hold = await holdOwnedNode(client, { path: node.path, what: options.what, token: turn.token, detail: { ...turn, node, contender } });
      const { onForeign } = options;
      if (!onForeign) return hold;
      const ours = contender.convention!;
      const stopWatching = contender.watchForeign((other, theirs) => onForeign(other, theirs, ours));
      void hold.lost.then(stopWatching);
      return {
        ...hold,
        release() {
          stopWatching();
          return hold.release();
        },
      };
    } catch (error) {
      // Waiting was stopped, timed out or failed: our node must not stay in the queue.
      await contender.leave().catch(() => undefined);
      throw error;
    }
  };
}

export interface LeaseHeld extends LeaseTaken {
  lease: PoolLease;
}

type ContenderStepOptions = Parameters<typeof contenderStep>[1];

/**
 * A semaphore slot (lock --limit): on the layout asked for or found on the path (resolveSemaphore), either a
 * turn among sorted contenders (ours) or a lease from a mutex-guarded pool (Curator InterProcessSemaphoreV2,
 * kazoo Semaphore). Either way the hold is one ephemeral node of ours, its czxid the token.
 */
export function semaphoreStep(
  client: ZkClient,
  options: { asked: SemaphoreKind | undefined; maxLeases: number; contender: ContenderStepOptions; onLeaseWaiting?: (waiting: LeaseWaiting) => void },
): (signal: AbortSignal) => Promise<Hold<TurnTaken | LeaseHeld>> {
  return async (signal) => {
    const { contender } = options;
    const kind = resolveSemaphore(contender.parent, await semaphoresPresent(client, contender.parent), options.asked);
    if (kind === 'sorted-slots') return contenderStep(client, { ...contender, slots: options.maxLeases })(signal);
    const lease = new PoolLease(client, {
      path: contender.parent,
      layout: leasePoolLayout(kind),
      maxLeases: options.maxLeases,
      data: contender.data,
      acl: contender.acl,
      parentAcl: contender.parentAcl,
    });
    try {
      const taken = await lease.acquire({
        signal,
        deadline: contender.waitTimeoutMs !== undefined ? Date.now() + contender.waitTimeoutMs : undefined,
        timeoutMs: contender.waitTimeoutMs,
        onWaiting: options.onLeaseWaiting,
      });
      return await holdOwnedNode(client, { path: taken.path, what: contender.what, token: taken.token, detail: { ...taken, lease } });
    } catch (error) {
      await lease.leave().catch(() => undefined);
      throw error;
    }
  };
}

/** An ephemeral node at a given path (config set -e). */
export function ephemeralNodeStep(
  client: ZkClient,
  options: { path: string; data: Buffer; createParents: boolean; acl?: readonly Acl[] | undefined; parentAcl?: readonly Acl[] | undefined },
): (signal: AbortSignal) => Promise<Hold<Stat>> {
  return async () => {
    const stat = await createEphemeral(client, options.path, options.data, { createParents: options.createParents, acl: options.acl, parentAcl: options.parentAcl });
    return holdOwnedNode(client, { path: options.path, what: `ephemeral node ${options.path}`, token: stat.czxid, detail: stat }, () =>
      releaseOwnedNode(client, options.path),
    );
  };
}

export interface Registration {
  instance: ServiceInstance;
  stat: Stat;
}

/** A service instance registered (register): an advisory hold, taken again with the same id after a loss. */
export function registrationStep(client: ZkClient, options: Omit<RegisterOptions, 'signal'>): (signal: AbortSignal) => Promise<Hold<Registration>> {
  return async (signal) => {
    const { path, stat } = await registerInstance(client, { ...options, signal });
    return holdOwnedNode(client, {
      path,
      what: `instance ${options.instance.id} of ${options.instance.name}`,
      token: stat.czxid,
      detail: { instance: options.instance, stat },
    });
  };
}

export interface QueueItemOptions extends Omit<TakeOptions, 'signal'> {
  queue: string;
  /** A command that failed (non-zero): its item goes back to the queue instead of being consumed. */
  requeueFailed: boolean;
}

/**
 * One queue item (queue work): held by our ephemeral `taken/` node from the take until the command ends. Its
 * own exit consumes the item (entry and taken node in one transaction; a failure too, unless requeueFailed);
 * a stop releases it back; a lost session leaves it to be delivered again.
 */
export function queueItemStep(client: ZkClient, options: QueueItemOptions): (signal: AbortSignal) => Promise<Hold<TakenItem>> {
  return async (signal) => {
    const item = await takeItem(client, options.queue, { ...options, signal });
    let consume = false;
    try {
      return await holdOwnedNode(
        client,
        {
          path: item.takenPath,
          what: `item ${item.name} of ${options.queue}`,
          token: item.taken.czxid,
          detail: item,
          commandEnded: (status) => {
            consume = status === 0 || !options.requeueFailed;
          },
        },
        async () => {
          if (consume && (await consumeItem(client, item).catch(() => false))) return { confirmed: true, how: 'consumed' };
          if (!consume && (await releaseItem(client, item).catch(() => false))) return { confirmed: true, how: 'deleted' };
          // Not ours any more, or the server did not answer: closing the session frees the taken node.
          return releaseOwnedNode(client, item.takenPath);
        },
      );
    } catch (error) {
      await releaseItem(client, item).catch(() => undefined);
      throw error;
    }
  };
}

export interface BarrierPassage extends BarrierOpening {
  member: BarrierMember;
}

/**
 * A barrier membership (barrier with a command): our ephemeral member node, held from the opening while the
 * command runs; its release is the first half of the leave (the caller then waits for the round: leave()).
 */
export function barrierStep(
  client: ZkClient,
  options: Omit<EnterOptions, 'signal' | 'deadline'> & { path: string; count: number; data: Buffer; waitTimeoutMs?: number | undefined; acl?: readonly Acl[] | undefined },
): (signal: AbortSignal) => Promise<Hold<BarrierPassage>> {
  return async (signal) => {
    const member = new BarrierMember(client, options.path, options.count, options.data, options.acl);
    const opening = await member.enter({
      signal,
      deadline: options.waitTimeoutMs !== undefined ? Date.now() + options.waitTimeoutMs : undefined,
      timeoutMs: options.waitTimeoutMs,
      onWaiting: options.onWaiting,
    });
    try {
      return await holdOwnedNode(client, {
        path: member.nodePath,
        what: `barrier ${options.path} membership`,
        token: member.memberStat?.czxid ?? 0n,
        detail: { ...opening, member },
      });
    } catch (error) {
      await releaseOwnedNode(client, member.nodePath).catch(() => undefined);
      throw error;
    }
  };
}
