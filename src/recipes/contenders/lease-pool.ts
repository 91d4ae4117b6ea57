import { randomUUID } from 'node:crypto';
import { ConnectionLossError, NoNodeError, joinPath, type Stat, type ZkClient, childrenOrNone } from '../../zk/index.js';
import type { Acl } from '../../zk/acl.js';
import { SequentialContender, describeContenders, type ContenderView, type WaitingInfo } from './contenders.js';
import { CURATOR_MUTEX, KAZOO, conventionsPresent, type Convention } from './conventions.js';
import { ConventionConflictError, OwnershipLostError } from '../errors.js';
import { createOwnedEphemeral, removeIfOwned } from '../ownership.js';
import { Wakeup } from '../wakeup.js';

/**
 * A semaphore kept as a pool of lease nodes behind a mutex, as Curator's InterProcessSemaphoreV2 and kazoo's
 * Semaphore do it (both credit Ben Bangert's algorithm). Unlike our `--limit` (sorted contenders, first N
 * hold), a client takes the mutex, counts the leases, takes one when the count allows — waiting with the
 * mutex held, watching the leases' children, so only one client ever waits on the pool — then releases the
 * mutex and keeps its lease. Release is deleting the lease. N is each client's own setting.
 */
export interface LeasePoolLayout {
  readonly id: 'curator-semaphore' | 'kazoo-semaphore';
  readonly label: string;
  /** The `lock --limit --compat` value that joins it. */
  readonly compat: 'curator' | 'kazoo';
  /** Where the mutex lives, and whose convention it follows. */
  mutexPath(path: string): string;
  readonly mutex: Convention;
  /** The node whose children are the leases: every child counts, whatever its name. */
  leasesPath(path: string): string;
  /** A sequential lease's prefix, or a plain lease's whole name. */
  leaseName(uuid: string): string;
  readonly sequential: boolean;
}

/**
 * Curator 5.4 InterProcessSemaphoreV2 (read in apache/curator, checked with javap on Debian's
 * curator-recipes-5.4.0.jar): an InterProcessMutex on `<path>/locks`; under it, a protected ephemeral
 * sequential `<path>/leases/_c_<uuid>-lease-` (parents created as containers), then `getChildren(leases,
 * watch)` until the lease is among them and there are at most maxLeases children (its own included), waiting
 * on the watch between listings; the mutex is released in a finally. A lease missing from the listing is
 * deleted and the acquire retried. With a SharedCountReader, maxLeases is that count's value (a node of the
 * user's choosing we cannot find): pass it as --limit.
 */
export const CURATOR_SEMAPHORE: LeasePoolLayout = {
  id: 'curator-semaphore',
  label: 'Curator InterProcessSemaphoreV2',
  compat: 'curator',
  mutexPath: (path) => joinPath(path, 'locks'),
  mutex: CURATOR_MUTEX,
  leasesPath: (path) => joinPath(path, 'leases'),
  leaseName: (uuid) => `_c_${uuid}-lease-`,
  sequential: true,
};

/**
 * kazoo 2.8 Semaphore (recipe/lock.py): a kazoo Lock on the sibling `<path>-__lock__`; under it
 * `get_children(path, watch)` and, while fewer than max_leases children exist, an ephemeral
 * `<path>/<uuid4 hex>` (not sequential); waits on the watch otherwise; releases the lock. `<path>`'s data is
 * max_leases as decimal text, written when kazoo creates the node; a client whose max_leases differs from
 * a numeric value there refuses (ValueError) — so do we.
 */
export const KAZOO_SEMAPHORE: LeasePoolLayout = {
  id: 'kazoo-semaphore',
  label: 'kazoo Semaphore',
  compat: 'kazoo',
  mutexPath: (path) => `${path}-__lock__`,
  mutex: KAZOO,
  leasesPath: (path) => path,
  leaseName: (uuid) => uuid.replaceAll('-', ''),
  sequential: false,
};

/**
 * How a semaphore is kept on a path: as sorted slots (`lock --limit N` without a library's --compat: the
 * contenders directly under the path, whatever their convention, the first N hold) or as a library's lease pool.
 */
export type SemaphoreKind = 'sorted-slots' | LeasePoolLayout['id'];

const KAZOO_LEASE = /^[0-9a-f]{32}$/;
/** What Python's int() accepts, near enough: kazoo ignores other data ("maybe used for other purposes"). */
const KAZOO_MAX_LEASES = /^\s*[+-]?\d+\s*$/;

/**
 * Which semaphores are kept on a path: Curator's (a `leases` or `locks` child), kazoo's (its `-__lock__`
 * sibling, or uuid4-hex children), sorted slots (contenders of any lock convention directly under it).
 */
export async function semaphoresPresent(client: ZkClient, path: string): Promise<SemaphoreKind[]> {
  const children = await childrenOrNone(client, path);
  const kinds: SemaphoreKind[] = [];
  if (children.includes('leases') || children.includes('locks')) kinds.push('curator-semaphore');
  if (children.some((name) => KAZOO_LEASE.test(name)) || (path !== '/' && (await client.exists(KAZOO_SEMAPHORE.mutexPath(path))) !== null)) kinds.push('kazoo-semaphore');
  if (conventionsPresent(children).length > 0) kinds.push('sorted-slots');
  return kinds;
}

const KIND_LABEL: Record<SemaphoreKind, string> = {
  'sorted-slots': 'sorted contenders (zk-coord --limit, or a lock)',
  'curator-semaphore': CURATOR_SEMAPHORE.label,
  'kazoo-semaphore': KAZOO_SEMAPHORE.label,
};

/**
 * The semaphore a `lock --limit` joins on a path: the asked one, or the one present (ours on a path with
 * none). Refused (ConventionConflictError) when several are kept there, or another than the one asked for:
 * each counts only its own leases, so together they would admit more than N.
 */
export function resolveSemaphore(path: string, present: readonly SemaphoreKind[], asked: SemaphoreKind | undefined): SemaphoreKind {
  const labels = (kinds: readonly SemaphoreKind[]): string => kinds.map((k) => KIND_LABEL[k]).join(' and ');
  if (present.length > 1) throw new ConventionConflictError(path, `semaphores disagree: ${labels(present)} are kept there; each counts only its own leases`);
  const found = present[0];
  if (asked && found && found !== asked) {
    throw new ConventionConflictError(path, `${labels([asked])} asked for, but the path holds ${labels([found])}; each counts only its own leases`);
  }
  return asked ?? found ?? 'sorted-slots';
}

export function leasePoolLayout(kind: LeasePoolLayout['id']): LeasePoolLayout {
  return kind === 'curator-semaphore' ? CURATOR_SEMAPHORE : KAZOO_SEMAPHORE;
}

export interface LeasePoolOptions {
  path: string;
  layout: LeasePoolLayout;
  maxLeases: number;
  /** Lease and mutex node data: the holder's name. */
  data: Buffer;
  uuid?: string;
  acl?: readonly Acl[] | undefined;
  parentAcl?: readonly Acl[] | undefined;
}

/** Why a lease is still not ours: in the mutex's queue, or holding the mutex while the pool is full. */
export type LeaseWaiting = { phase: 'mutex'; info: WaitingInfo } | { phase: 'pool'; leases: number };

export interface LeaseTaken {
  path: string;
  /** The lease node's creation zxid: greater for every later lease, a fencing token. */
  token: bigint;
  stat: Stat;
  /** Leases in the pool, ours included, when we took ours. */
  leases: number;
}

/** One client's lease from a pool (Curator InterProcessSemaphoreV2 or kazoo Semaphore layout). */
export class PoolLease {
  readonly uuid: string;
  private readonly wakeup = new Wakeup();
  private readonly mutex: SequentialContender;
  private own: string | undefined;

  constructor(
    private readonly client: ZkClient,
    readonly options: LeasePoolOptions,
  ) {
    this.uuid = options.uuid ?? randomUUID();
    const { layout, path, data, acl, parentAcl } = options;
    this.mutex = new SequentialContender(client, {
      parent: layout.mutexPath(path),
      role: 'exclusive',
      compat: { conventions: [layout.mutex], asked: layout.label },
      data,
      slots: 1,
      uuid: this.uuid,
      acl,
      parentAcl,
    });
  }

  /** Our lease node, once created. */
  get lease(): string | undefined {
    return this.own;
  }

  /**
   * Takes the mutex, then a lease once the pool allows, then releases the mutex. Rejects with the mutex's
   * errors (ConventionConflictError, WaitTimeoutError, StoppedError, SessionLostError), OwnershipLostError
   * when our lease vanished or is not our session's; the caller then calls leave().
   */
  async acquire(options: { signal?: AbortSignal | undefined; deadline?: number | undefined; timeoutMs?: number | undefined; onWaiting?: (waiting: LeaseWaiting) => void }): Promise<LeaseTaken> {
    const { layout, path, maxLeases } = this.options;
    if (layout === KAZOO_SEMAPHORE) await this.agreeOnMaxLeases();
    await this.mutex.enter();
    await this.mutex.awaitTurn({ ...options, onWaiting: (info) => options.onWaiting?.({ phase: 'mutex', info }) });
    const leases = layout.leasesPath(path);
    await this.client.mkdirp(leases, Buffer.alloc(0), this.options.parentAcl);
    // Curator creates its lease first and counts it; kazoo counts, then creates while fewer than N exist:
    // under the mutex both admit a lease while fewer than N others exist.
    if (layout.sequential) await this.createLease(leases);
    let reported: number | undefined;
    for (;;) {
      this.wakeup.reset();
      const { children } = await this.client.getChildren(leases, this.wakeup.watcher);
      const mine = this.own?.slice(leases.length + 1);
      if (mine !== undefined && !children.includes(mine)) throw new OwnershipLostError(this.own!, 'our lease node vanished');
      if (mine === undefined && children.length < maxLeases) {
        await this.createLease(leases);
        continue;
      }
      if (mine !== undefined && children.length <= maxLeases) {
        const stat = await this.client.exists(this.own!);
        if (!stat || stat.ephemeralOwner !== this.client.sessionId) throw new OwnershipLostError(this.own!, 'our lease node is not owned by our session');
        await this.releaseMutex();
        return { path: this.own!, token: stat.czxid, stat, leases: children.length };
      }
      const others = children.length - (mine === undefined ? 0 : 1);
      if (others !== reported) {
        reported = others;
        options.onWaiting?.({ phase: 'pool', leases: others });
      }
      await this.wakeup.wait(this.client, { deadline: options.deadline, timeoutMs: options.timeoutMs, signal: options.signal, what: `a lease of ${path}` });
    }
  }

  /** kazoo's `_ensure_path`: our N written on a new pool node; a numeric N already there must be ours. */
  private async agreeOnMaxLeases(): Promise<void> {
    const { path, maxLeases, parentAcl } = this.options;
    if (await this.client.mkdirp(path, Buffer.from(String(maxLeases), 'utf8'), parentAcl)) return;
    const text = (await this.client.getData(path)).data.toString('utf8');
    if (KAZOO_MAX_LEASES.test(text) && Number(text.trim()) !== maxLeases) {
      throw new ConventionConflictError(path, `its kazoo Semaphore allows ${text.trim()} leases (the node's data), --limit ${maxLeases} disagrees`);
    }
  }

  /**
   * Our lease, protected by the uuid in its name: after a ConnectionLoss the create may have landed, and the
   * listing (sequential) or the owner check (plain, createOwnedEphemeral) finds it. Curator's parents are
   * containers, which the server removes once empty: NoNode means make them again.
   */
  private async createLease(leases: string): Promise<void> {
    const { layout, data, acl, parentAcl } = this.options;
    const name = layout.leaseName(this.uuid);
    for (;;) {
      try {
        if (!layout.sequential) {
          await createOwnedEphemeral(this.client, joinPath(leases, name), data, acl);
          this.own = joinPath(leases, name);
          return;
        }
        this.own = await this.client.create(joinPath(leases, name), data, 'ephemeral-sequential', acl);
        return;
      } catch (error) {
        if (error instanceof NoNodeError) {
          await this.client.mkdirp(leases, Buffer.alloc(0), parentAcl);
          continue;
        }
        if (!(error instanceof ConnectionLossError) || !layout.sequential) throw error;
        const found = (await this.client.getChildren(leases)).children.find((child) => child.startsWith(name));
        if (found) {
          this.own = joinPath(leases, found);
          return;
        }
      }
    }
  }

  /**
   * The mutex must really be free again, or every other client waits until our session ends: a delete that
   * cannot be confirmed fails the acquire (the caller's leave() and the session's close clean up).
   */
  private async releaseMutex(): Promise<void> {
    const node = this.mutex.node;
    if (!node) return;
    const stat = await this.client.exists(node.path);
    if (stat && stat.ephemeralOwner === this.client.sessionId) await this.client.remove(node.path, stat.version);
  }

  /** Gives up the lease and our place at the mutex, whichever we have (safe to call at any point). */
  async leave(): Promise<void> {
    const own = this.own;
    this.own = undefined;
    if (own) await removeIfOwned(this.client, own);
    await this.mutex.leave();
  }
}

export interface LeaseView {
  name: string;
  /** `acquiring`: the lease of the client holding the mutex, still counting (Curator creates before counting). */
  state: 'holds' | 'acquiring';
  session: bigint;
  data: string;
  token: bigint;
}

export interface LeasePoolView {
  layout: LeasePoolLayout;
  /** kazoo's max_leases from the pool node's data; Curator's is each client's own setting (undefined). */
  maxLeases: number | undefined;
  leases: LeaseView[];
  /** The mutex's contenders in its order: the first holds the mutex (it is taking a lease). */
  queue: ContenderView[];
}

/** Who holds a lease and who waits, for `lock status` (creates nothing, sets no watch). */
export async function describeLeasePool(client: ZkClient, path: string, layout: LeasePoolLayout): Promise<LeasePoolView> {
  const mutexPath = layout.mutexPath(path);
  const queue = (await client.exists(mutexPath)) ? (await describeContenders(client, mutexPath, { compat: { conventions: [layout.mutex] } })).contenders : [];
  let maxLeases: number | undefined;
  if (layout === KAZOO_SEMAPHORE) {
    const text = await client.getData(path).then((got) => got.data.toString('utf8')).catch(() => '');
    if (KAZOO_MAX_LEASES.test(text)) maxLeases = Number(text.trim());
  }
  const leasesPath = layout.leasesPath(path);
  const leases: LeaseView[] = [];
  for (const name of (await childrenOrNone(client, leasesPath)).sort()) {
    try {
      const { data, stat } = await client.getData(joinPath(leasesPath, name));
      leases.push({ name, state: 'holds', session: stat.ephemeralOwner, data: data.toString('utf8'), token: stat.czxid });
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
    }
  }
  leases.sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  // Curator's mutex holder creates its lease before counting: its session's lease made after its mutex node.
  const head = queue[0];
  if (layout.sequential && head) {
    const newest = leases.filter((lease) => lease.session === head.session).at(-1);
    if (newest && newest.token > head.token) newest.state = 'acquiring';
  }
  return { layout, maxLeases, leases, queue };
}
