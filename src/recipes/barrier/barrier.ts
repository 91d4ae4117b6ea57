/**
 * A double barrier (ZooKeeper's recipe; kazoo DoubleBarrier, Curator DistributedDoubleBarrier): members are
 * ephemeral children `<path>/<uuid4 hex>` (kazoo's naming), the gate is `<path>/ready`.
 *
 * Rounds. kazoo and Curator let anyone through while a `ready` node exists, so a `ready` left from an earlier
 * round opens the next one at once (Curator: code reading, see the README). Here the gate is open for a
 * member only if `ready` was created after the member's node (its czxid is greater): a zxid orders every
 * write, so a `ready` from an earlier round never counts. A round is the members that arrived since the
 * current `ready`; when `count` of them are present, one of them replaces `ready` (delete and create in one
 * transaction that also bumps the barrier node's data version: exactly one of several concurrent openers
 * wins, see `open`) and the new `ready` stores the
 * czxid of the one it replaced, which bounds the round for the leave. `ready` is never deleted, so a member
 * that has not yet looked cannot miss its opening.
 */
import { randomUUID } from 'node:crypto';
import {
  MultiOpError,
  NoNodeError,
  NodeExistsError,
  joinPath,
  multi,
  type Stat,
  type ZkClient,
} from '../../zk/index.js';
import type { Acl } from '../../zk/acl.js';
import { tryCreateEphemeral, removeIfOwned } from '../ownership.js';
import { Wakeup } from '../wakeup.js';

export const READY = 'ready';

export interface MemberInfo {
  /** The member's node name under the barrier. */
  node: string;
  /** What the member stored: zk-coord's JSON {name, host, pid}; kazoo's identifier (fqdn-pid) as `name`. */
  name: string;
  host?: string;
  pid?: number;
}

/** The barrier opened for us: the members of our round, in arrival order. */
export interface BarrierOpening {
  members: MemberInfo[];
  /** The `ready` node's czxid: the opening. */
  openedAt: bigint;
}

export interface EnterOptions {
  signal?: AbortSignal | undefined;
  deadline?: number | undefined;
  timeoutMs?: number | undefined;
  /** Each time it must wait: how many members of this round are present, of `count`. */
  onWaiting?: (present: number, count: number) => void;
}

interface ReadyState {
  czxid: bigint;
  version: number;
  /** The czxid of the `ready` this one replaced (0 when unknown: kazoo's or Curator's, or the first). */
  previous: bigint;
  /** The round as its opener counted it (empty for a kazoo or Curator `ready`). */
  members: MemberInfo[];
}

function parseMember(node: string, data: Buffer): MemberInfo {
  const text = data.toString('utf8');
  try {
    const parsed = JSON.parse(text) as { name?: unknown; host?: unknown; pid?: unknown };
    if (parsed && typeof parsed === 'object' && typeof parsed.name === 'string') {
      return { node, name: parsed.name, ...(typeof parsed.host === 'string' ? { host: parsed.host } : {}), ...(typeof parsed.pid === 'number' ? { pid: parsed.pid } : {}) };
    }
  } catch {
    // kazoo stores a plain identifier.
  }
  return { node, name: text };
}

/** One member of a double barrier: enter (wait for `count`), later leave (wait for the round to leave). */
export class BarrierMember {
  /** Our node's name: a uuid4 in hex, as kazoo names its members. */
  readonly node = randomUUID().replace(/-/g, '');
  readonly nodePath: string;
  private stat: Stat | undefined;
  private opening: (BarrierOpening & { previous: bigint }) | undefined;
  /** Members seen, by node name: czxid and what they stored (immutable, so read once). */
  private readonly known = new Map<string, { czxid: bigint; info: MemberInfo }>();

  constructor(
    private readonly client: ZkClient,
    readonly path: string,
    readonly count: number,
    private readonly data: Buffer,
    /** The member node's ACL (default: open). */
    private readonly acl?: readonly Acl[],
  ) {
    this.nodePath = joinPath(path, this.node);
  }

  /** Our member node's stat (after enter). */
  get memberStat(): Stat | undefined {
    return this.stat;
  }

  private async readReady(watch?: Wakeup): Promise<ReadyState | undefined> {
    try {
      const { data, stat } = await this.client.getData(joinPath(this.path, READY), watch?.watcher);
      let previous = 0n;
      let members: MemberInfo[] = [];
      try {
        const parsed = JSON.parse(data.toString('utf8')) as { previous?: unknown; members?: unknown };
        if (typeof parsed.previous === 'string' && /^\d+$/.test(parsed.previous)) previous = BigInt(parsed.previous);
        if (Array.isArray(parsed.members)) members = parsed.members.filter((m): m is MemberInfo => typeof m?.node === 'string' && typeof m?.name === 'string');
      } catch {
        // Empty (kazoo's ensure_path, Curator's create): nothing known of the round before it.
      }
      return { czxid: stat.czxid, version: stat.version, previous, members };
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
      // Absent: the watch must fire on its creation.
      if (watch && (await this.client.exists(joinPath(this.path, READY), watch.watcher))) return this.readReady(watch);
      return undefined;
    }
  }

  /**
   * Members present now, with their czxids, in arrival order. A new member is read once (czxid and data are
   * immutable here), all new ones at once: the opening's critical path is one round trip, not one per member.
   */
  private async members(watch?: Wakeup): Promise<Array<{ node: string; czxid: bigint }>> {
    const { children } = await this.client.getChildren(this.path, watch?.watcher);
    const fresh = children.filter((node) => node !== READY && !this.known.has(node));
    await Promise.all(
      fresh.map(async (node) => {
        try {
          const { data, stat } = await this.client.getData(joinPath(this.path, node));
          this.known.set(node, { czxid: stat.czxid, info: parseMember(node, data) });
        } catch (error) {
          if (!(error instanceof NoNodeError)) throw error;
        }
      }),
    );
    const alive = new Set(children);
    for (const node of this.known.keys()) if (!alive.has(node)) this.known.delete(node);
    const present = children.flatMap((node) => {
      const seen = this.known.get(node);
      return seen ? [{ node, czxid: seen.czxid }] : [];
    });
    return present.sort((a, b) => (a.czxid < b.czxid ? -1 : a.czxid > b.czxid ? 1 : 0));
  }

  /**
   * Creates our member node and waits until `count` members of this round are present. Rejects with
   * StoppedError, WaitTimeoutError or SessionLostError, our node removed first.
   */
  async enter(options: EnterOptions = {}): Promise<BarrierOpening> {
    await this.client.mkdirp(this.path);
    const created = await tryCreateEphemeral(this.client, this.nodePath, this.data, { identifyHolder: false, acl: this.acl });
    if (!('stat' in created)) throw new NodeExistsError(this.nodePath);
    this.stat = created.stat;
    const mine = created.stat.czxid;
    const wakeup = new Wakeup();
    try {
      for (let first = true; ; first = false) {
        wakeup.reset();
        // On arrival both reads at once (the last arrival's path to the opening is then 2 round trips shorter:
        // the release latency); once woken, `ready` alone, which is all a waiter needs to pass.
        const [ready, present] = first ? await Promise.all([this.readReady(wakeup), this.members()]) : [await this.readReady(wakeup), undefined];
        if (ready && ready.czxid > mine) return await this.opened(ready);
        const since = ready?.czxid ?? 0n;
        // No watch on the children: the last of any set of arrivals lists after its own create and so sees
        // them all; it opens. Waiters watch only `ready`, so the opening wakes each once (no herd per arrival).
        const round = (present ?? (await this.members())).filter((m) => m.czxid > since);
        if (round.length >= this.count) {
          await this.open(ready, round);
          continue;
        }
        options.onWaiting?.(round.length, this.count);
        await wakeup.wait(this.client, { signal: options.signal, deadline: options.deadline, timeoutMs: options.timeoutMs, what: `${this.count} members at barrier ${this.path}` });
      }
    } catch (error) {
      await removeIfOwned(this.client, this.nodePath).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Creates (or replaces) `ready`; a concurrent opener winning is success too. A replaced `ready` cannot be
   * told apart by its version (every `ready` is created at version 0: a second opener's delete at the stale
   * version would delete the first opener's new one), so a replacement also bumps the barrier node's own data
   * version, which only ever grows: of two openers of one round exactly one transaction succeeds. That version
   * is read before `ready` is read again, so an opener that came in between is seen one way or the other.
   */
  private async open(stale: ReadyState | undefined, round: ReadonlyArray<{ node: string }>): Promise<void> {
    const readyPath = joinPath(this.path, READY);
    let barrier: { data: Buffer; version: number } | undefined;
    if (stale) {
      const { data, stat } = await this.client.getData(this.path);
      barrier = { data, version: stat.version };
      const now = await this.readReady();
      // Replaced since we looked: that opening is the one (our caller reads it again).
      if (!now || now.czxid !== stale.czxid) return;
    }
    // The round goes into `ready`: members without a command leave as soon as they pass, so a late reader
    // of the children would miss them.
    const members = round.flatMap((m) => {
      const info = this.known.get(m.node)?.info;
      return info ? [info] : [];
    });
    const data = Buffer.from(JSON.stringify({ previous: (stale?.czxid ?? 0n).toString(), by: this.node, members }));
    try {
      if (!stale || !barrier) await this.client.create(readyPath, data);
      else {
        await multi(this.client, [
          { type: 'setData', path: this.path, data: barrier.data, version: barrier.version },
          { type: 'delete', path: readyPath, version: stale.version },
          { type: 'create', path: readyPath, data },
        ]);
      }
    } catch (error) {
      if (!(error instanceof NodeExistsError) && !(error instanceof MultiOpError)) throw error;
    }
  }

  private async opened(ready: ReadyState): Promise<BarrierOpening> {
    const mine = this.stat?.czxid ?? 0n;
    // A later round's `ready` may already stand (the next round filled very fast): then ours is unknown below.
    const previous = mine > ready.previous ? ready.previous : 0n;
    let members = ready.members;
    if (!members.some((m) => m.node === this.node)) {
      // A kazoo or Curator `ready` lists no one; or we arrived while the opener counted: who is here now.
      const round = (await this.members()).filter((m) => m.czxid > previous && m.czxid < ready.czxid);
      const listed = new Set(members.map((m) => m.node));
      members = [...members, ...round.flatMap((m) => (listed.has(m.node) ? [] : [this.known.get(m.node)?.info]).filter((i): i is MemberInfo => i !== undefined))];
    }
    this.opening = { members, openedAt: ready.czxid, previous };
    return { members, openedAt: ready.czxid };
  }

  /**
   * Leaves: removes our node, then waits until every member of our round has left (their nodes deleted, or
   * gone with their sessions). Rejects with StoppedError, WaitTimeoutError (past `deadline`) or SessionLostError.
   */
  async leave(
    options: { signal?: AbortSignal | undefined; deadline?: number | undefined; timeoutMs?: number | undefined; onWaiting?: (remaining: number) => void } = {},
  ): Promise<void> {
    await removeIfOwned(this.client, this.nodePath);
    const opening = this.opening;
    if (!opening) return;
    const wakeup = new Wakeup();
    for (;;) {
      wakeup.reset();
      const remaining = (await this.members(wakeup)).filter((m) => m.czxid > opening.previous && m.czxid < opening.openedAt);
      if (remaining.length === 0) return;
      options.onWaiting?.(remaining.length);
      await wakeup.wait(this.client, { signal: options.signal, deadline: options.deadline, timeoutMs: options.timeoutMs, what: `the members of barrier ${this.path} to leave` });
    }
  }
}
