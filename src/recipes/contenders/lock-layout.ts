import type { ZkClient } from '../../zk/index.js';
import { describeContenders, type ContendersView } from './contenders.js';
import { LOCK_COMPAT, lockConventions, type ConventionChoice } from './conventions.js';
import { ConventionConflictError } from '../errors.js';
import { describeLeasePool, leasePoolLayout, resolveSemaphore, semaphoresPresent, type LeasePoolView, type SemaphoreKind } from './lease-pool.js';

export type LockCompat = (typeof LOCK_COMPAT)[number];
export type LockMode = 'plain' | 'read' | 'write' | 'limit';

/** What `lock --compat` means, for holding and for status alike. */
export interface LockLayout {
  /** The conventions sorted contenders may follow (resolveConvention). */
  contenders: ConventionChoice;
  /** With --limit: the semaphore --compat asks for; undefined: the one found on the path (resolveSemaphore). */
  semaphore: SemaphoreKind | undefined;
}

/**
 * The one mapping of `lock --compat`: with --limit, curator is an InterProcessSemaphoreV2 and kazoo a kazoo
 * Semaphore (lease pools), zk-coord our sorted slots; without, the conventions of lockConventions.
 */
export function resolveLockLayout(compat: LockCompat | undefined, mode: LockMode): LockLayout {
  const semaphore: SemaphoreKind | undefined =
    mode !== 'limit' ? undefined : compat === 'curator' ? 'curator-semaphore' : compat === 'kazoo' ? 'kazoo-semaphore' : compat === 'zk-coord' ? 'sorted-slots' : undefined;
  return { contenders: lockConventions(compat, mode), semaphore };
}

export interface LockView {
  /**
   * Why a lock joining now would be refused, as `lock` words it: layouts that disagree (a lease pool beside
   * sorted slots, or two pools: each counts only its own leases, so together they admit more than N), or
   * contenders that disagree among themselves or with --compat.
   */
  conflict: string | undefined;
  /** The sorted contenders directly under the path: when there are some, or when there is no pool. */
  contenders: ContendersView | undefined;
  pools: LeasePoolView[];
  /** `lock status --limit N`: the first N sorted contenders hold; undefined: not given (the first holds). */
  slots: number | undefined;
}

/** `lock status`: every layout kept on the path, each in its library's order (creates nothing, sets no watch). */
export async function describeLock(client: ZkClient, path: string, options: { compat?: LockCompat | undefined; slots?: number | undefined } = {}): Promise<LockView> {
  const layout = resolveLockLayout(options.compat, options.slots !== undefined ? 'limit' : 'plain');
  const kinds = await semaphoresPresent(client, path);
  let conflict: string | undefined;
  if (kinds.length > 1 || layout.semaphore !== undefined) {
    try {
      resolveSemaphore(path, kinds, layout.semaphore);
    } catch (error) {
      if (!(error instanceof ConventionConflictError)) throw error;
      conflict = error.message;
    }
  }
  const pools: LeasePoolView[] = [];
  for (const kind of kinds) {
    if (kind !== 'sorted-slots') pools.push(await describeLeasePool(client, path, leasePoolLayout(kind)));
  }
  // A plain --compat (no --limit) names the convention of the sorted contenders; with --limit they are ours.
  const contenders =
    kinds.includes('sorted-slots') || pools.length === 0
      ? await describeContenders(client, path, { compat: lockConventions(options.compat, 'plain'), slots: options.slots, role: 'exclusive' })
      : undefined;
  return { conflict: conflict ?? contenders?.conflict, contenders, pools, slots: options.slots };
}
