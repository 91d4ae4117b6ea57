import { randomUUID } from 'node:crypto';
import { ConnectionLossError, NoNodeError, joinPath, type StateChangeEvent, type Stat, type ZkClient } from '../../zk/index.js';
import type { Acl } from '../../zk/acl.js';
import { ConventionConflictError, OwnershipLostError } from '../errors.js';
import { CONVENTIONS, ZK_COORD, contenderNode, conventionOf, conventionsPresent, isReader, resolveConvention, type Convention, type ConventionChoice, type ContenderNode, type ContenderRole } from './conventions.js';
import { removeIfOwned } from '../ownership.js';
import { withParent } from '../parents.js';
import { Wakeup } from '../wakeup.js';
import { ChildrenWatch } from '../watch/children-watch.js';

export { sortContenders, isReader, type ContenderNode } from './conventions.js';

/** Who a contender at `position` must wait for: with one slot its immediate predecessor, else nobody in particular. */
export function predecessorOf(sorted: readonly ContenderNode[], position: number, slots: number): ContenderNode | undefined {
  return slots === 1 && position > 0 ? sorted[position - 1] : undefined;
}

/** Whether a contender at `position` may hold now, or whom it waits for (undefined: the children at large). */
export type TurnCheck = { holds: true } | { holds: false; waitFor: ContenderNode | undefined };

/**
 * The turn rule of the sorted-contenders core (ZooKeeper's recipes page: locks, shared locks). A reader waits
 * for the nearest earlier writer only — readers share, and a writer waiting ahead keeps every later reader
 * back, so writers never starve; a writer (or an exclusive contender) with one slot waits for its immediate
 * predecessor; with N slots it holds once its position is below N and watches the children meanwhile. Each
 * contender watches at most one node: one departure wakes one waiter, no herd.
 */
export function turnOf(
  sorted: readonly ContenderNode[],
  position: number,
  slots: number,
  reader: boolean,
  readerName: (name: string) => boolean = isReader,
): TurnCheck {
  if (reader) {
    for (let i = position - 1; i >= 0; i -= 1) {
      if (!readerName(sorted[i]!.name)) return { holds: false, waitFor: sorted[i] };
    }
    return { holds: true };
  }
  if (position < slots) return { holds: true };
  return { holds: false, waitFor: predecessorOf(sorted, position, slots) };
}

export interface ContenderOptions {
  parent: string;
  /** A candidate (elections), an exclusive holder (locks, writers, semaphore slots) or a reader. */
  role: ContenderRole;
  /**
   * Whose naming and order to follow (Curator's, kazoo's, ours), decided from the contenders present when
   * entering (resolveConvention). Default: any convention, zk-coord's on an empty path.
   */
  compat?: ConventionChoice | undefined;
  /** Node data: the contender's name. */
  data: Buffer;
  /** How many may hold at once: 1 for an election or a lock, N for a semaphore. */
  slots?: number;
  /**
   * The uuid in our node's name. Give the same one to the contender of a new session after a loss: its
   * `enter()` then deletes the node the old session left (it would otherwise sit ahead of us, or lead, until
   * that session expires).
   */
  uuid?: string;
  /** ACL of our contender node (default world:anyone:cdrwa). */
  acl?: readonly Acl[] | undefined;
  /** ACL of the parents we create (default world:anyone:cdrwa). */
  parentAcl?: readonly Acl[] | undefined;
}

/** Why a contender is still waiting, for the user. */
export interface WaitingInfo {
  position: number;
  /** The first contender (the leader, or the first holder). */
  head: ContenderNode;
  headData: string | undefined;
  /** The contender we watch (slots = 1). */
  predecessor: ContenderNode | undefined;
  predecessorData: string | undefined;
}

export interface Turn {
  /** Our node's creation zxid: strictly greater for every later holder, a fencing token. */
  token: bigint;
  position: number;
  stat: Stat;
}

/** watchForeign's next try after a read that failed while connected. */
const FOREIGN_RETRY_MS = 200;

/**
 * The sorted-contenders core shared by election and lock (ZooKeeper's recipes page; Curator LockInternals;
 * kazoo Lock). Each contender creates a protected ephemeral sequential node and, with one slot, watches only
 * its immediate predecessor, so one departure wakes exactly one waiter (no herd). With N slots it watches the
 * parent's children: any departure ahead may admit it.
 */
export class SequentialContender {
  readonly uuid: string;
  private readonly wakeup = new Wakeup();
  private own: ContenderNode | undefined;
  private chosen: Convention | undefined;
  readonly slots: number;

  constructor(
    private readonly client: ZkClient,
    readonly options: ContenderOptions,
  ) {
    this.slots = options.slots ?? 1;
    this.uuid = options.uuid ?? randomUUID();
  }

  get node(): ContenderNode | undefined {
    return this.own;
  }

  /** The convention our node follows (known once entered). */
  get convention(): Convention | undefined {
    return this.chosen;
  }

  /**
   * Creates our node `<parent>/<convention prefix><sequence>` (ours: `lock-<uuid>-NNNNNNNNNN`), after choosing
   * the convention from the contenders present. After a ConnectionLoss the create may have landed: the uuid
   * finds it again, so there is never an orphan or a second node of ours (Curator's protected nodes; kazoo too).
   */
  enter(): Promise<ContenderNode> {
    return withParent(this.client, this.options.parent, this.options.parentAcl, () => this.enterUnder());
  }

  private async enterUnder(): Promise<ContenderNode> {
    const { parent, data, acl, role } = this.options;
    const { children } = await this.client.getChildren(parent);
    const choice = this.options.compat ?? { conventions: CONVENTIONS };
    // Our own stale nodes (an earlier session) never decide: find them under every convention allowed.
    const ownMarkers = choice.conventions.map((c) => c.prefix(this.uuid, role)).filter((m): m is string => m !== undefined);
    const foreign = children.filter((name) => !ownMarkers.some((m) => name.startsWith(m)));
    const convention = resolveConvention(parent, foreign, choice, role);
    this.chosen = convention;
    const marker = convention.prefix(this.uuid, role)!;
    await this.removeStale(children, ownMarkers);
    for (;;) {
      try {
        const created = await this.client.create(joinPath(parent, marker), data, 'ephemeral-sequential', acl);
        this.own = contenderNode(parent, created.slice(created.lastIndexOf('/') + 1));
        return this.own;
      } catch (error) {
        if (!(error instanceof ConnectionLossError)) throw error;
        const { children: now } = await this.client.getChildren(parent);
        const mine = now.find((c) => c.startsWith(marker));
        if (mine) {
          this.own = contenderNode(parent, mine);
          return this.own;
        }
      }
    }
  }

  /**
   * Resolves when we may hold (our position is below `slots`) and our node's ephemeral owner is our own
   * session (CURATOR-696: never announce on a node of a session we no longer have). Re-checks the order after
   * every wake-up. Rejects with OwnershipLostError if our node vanished, or with the Wakeup errors.
   */
  async awaitTurn(options: { signal?: AbortSignal | undefined; deadline?: number | undefined; timeoutMs?: number | undefined; onWaiting?: (info: WaitingInfo) => void }): Promise<Turn> {
    const own = this.own;
    if (!own) throw new Error('enter() first');
    const { parent } = this.options;
    const convention = this.chosen ?? ZK_COORD;
    const reader = this.options.role === 'reader';
    let lastWaitingOn: string | undefined;
    for (;;) {
      this.wakeup.reset();
      const { children } = await this.client.getChildren(parent, this.slots > 1 && !reader ? this.wakeup.watcher : undefined);
      // A client of another library arrived meanwhile: it orders the contenders its own way, so neither side's
      // turn would mean anything. Refuse rather than hold beside it.
      const others = conventionsPresent(children, own.name).filter((c) => c !== convention);
      if (others.length > 0) {
        throw new ConventionConflictError(parent, `contenders of ${others.map((c) => c.label).join(' and ')} joined a path we follow as ${convention.label}`);
      }
      const sorted = convention.sort(parent, children);
      const position = sorted.findIndex((n) => n.name === own.name);
      if (position === -1) throw new OwnershipLostError(`${own.path}`, 'our contender node vanished');
      const check = turnOf(sorted, position, this.slots, reader, (name) => convention.isReader(name));
      if (check.holds) {
        const stat = await this.client.exists(own.path);
        if (!stat || stat.ephemeralOwner !== this.client.sessionId) {
          throw new OwnershipLostError(own.path, 'our contender node is not owned by our session');
        }
        return { token: stat.czxid, position, stat };
      }
      const predecessor = check.waitFor;
      let predecessorData: string | undefined;
      if (predecessor) {
        // getData, not exists: on a node already gone, exists would leave a watch behind (Curator LockInternals).
        try {
          predecessorData = (await this.client.getData(predecessor.path, this.wakeup.watcher)).data.toString('utf8');
        } catch (error) {
          if (error instanceof NoNodeError) continue;
          throw error;
        }
      }
      const head = sorted[0]!;
      const waitingOn = `${head.name}|${predecessor?.name ?? position}`;
      if (options.onWaiting && waitingOn !== lastWaitingOn) {
        lastWaitingOn = waitingOn;
        const headData = head === predecessor ? predecessorData : await this.readData(head.path);
        options.onWaiting({ position, head, headData, predecessor, predecessorData });
      }
      await this.wakeup.wait(this.client, {
        deadline: options.deadline,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        what: `${parent}`,
      });
    }
  }

  /** Deletes nodes with our uuid (under any convention) that another (earlier, lost) session of ours still owns. */
  private async removeStale(children: readonly string[], markers: readonly string[]): Promise<void> {
    const { parent } = this.options;
    for (const name of children.filter((c) => markers.some((m) => c.startsWith(m)))) {
      const path = joinPath(parent, name);
      const stat = await this.client.exists(path);
      if (!stat || stat.ephemeralOwner === this.client.sessionId) continue;
      try {
        await this.client.remove(path, stat.version);
      } catch (error) {
        // Gone meanwhile (its session expired): what we wanted.
        if (!(error instanceof NoNodeError)) throw error;
      }
    }
  }

  private async readData(path: string): Promise<string | undefined> {
    try {
      return (await this.client.getData(path)).data.toString('utf8');
    } catch (error) {
      if (error instanceof NoNodeError) return undefined;
      throw error;
    }
  }

  /**
   * While holding: `onForeign` once for each contender of another convention that joins the path. Its
   * library orders the contenders its own way (kazoo's Lock sorts our names last), so it may believe it holds
   * beside us; we cannot stop it, only say so. Returns the stop function. Followed by a ChildrenWatch (one
   * watcher, re-armed, re-read after a reconnect); a read that fails while connected is tried again shortly;
   * a lost or closed session ends the watching (the hold's own watch reports it).
   */
  watchForeign(onForeign: (node: ContenderNode, convention: Convention) => void): () => void {
    const own = this.own;
    const convention = this.chosen ?? ZK_COORD;
    const { parent } = this.options;
    const client = this.client;
    const watch = new ChildrenWatch(client, parent);
    let retry: NodeJS.Timeout | undefined;
    const tryAgainLater = (): void => {
      if (client.state === 'connected') retry = setTimeout(() => void watch.rebind(client).catch(tryAgainLater), FOREIGN_RETRY_MS);
    };
    const onState = (event: StateChangeEvent): void => {
      if (event.state === 'lost' || event.state === 'closed') stop();
    };
    const stop = (): void => {
      clearTimeout(retry);
      watch.stop();
      client.off('state', onState);
    };
    // The first snapshot lists every child as added: those present when we took the hold count too.
    watch.on('event', (event) => {
      for (const name of event.added) {
        if (name === own?.name) continue;
        const theirs = conventionOf(name);
        if (theirs && theirs !== convention) onForeign(contenderNode(parent, name), theirs);
      }
    });
    watch.on('error', tryAgainLater);
    client.on('state', onState);
    void watch.start().catch(tryAgainLater);
    return stop;
  }

  /** Deletes our node if it is still ours (resign / unlock). Safe to call when not entered or already gone. */
  async leave(): Promise<void> {
    const own = this.own;
    this.own = undefined;
    if (own) await removeIfOwned(this.client, own.path);
  }
}

/** One contender as `lock status` / `elect status` show it. */
export interface ContenderView {
  node: ContenderNode;
  /** The convention its name follows; undefined: a node made by hand (or by an unknown client). */
  convention: Convention | undefined;
  reader: boolean;
  /** Holds now (the leader, a lock holder, a reader sharing it), by the order of the convention in use. */
  holds: boolean;
  /** The session that owns it, and the node's data (a name, Curator's default: the client's IP address). */
  session: bigint;
  data: string;
  token: bigint;
}

export interface ContendersView {
  /** The convention whose order this is (the one present, or the choice's first; zk-coord's when they disagree). */
  convention: Convention;
  /**
   * Why a zk-coord joining now would be refused (resolveConvention's message): the contenders disagree among
   * themselves (each library ignores the others: no order is safe), or with the --compat asked for.
   */
  conflict: string | undefined;
  contenders: ContenderView[];
}

/**
 * Who holds and who waits, in the order the contenders' library uses (an observer: creates nothing, sets no
 * watch). `slots` as the holders use it (1 for an election or a lock).
 */
export async function describeContenders(
  client: ZkClient,
  parent: string,
  options: { compat?: ConventionChoice; slots?: number; role?: ContenderRole } = {},
): Promise<ContendersView> {
  const { children } = await client.getChildren(parent);
  const present = conventionsPresent(children);
  const choice = options.compat ?? { conventions: CONVENTIONS };
  const convention = present.length === 1 ? present[0]! : present.length === 0 ? (choice.conventions[0] ?? ZK_COORD) : ZK_COORD;
  let conflict: string | undefined;
  try {
    resolveConvention(parent, children, choice, options.role ?? 'exclusive');
  } catch (error) {
    if (!(error instanceof ConventionConflictError)) throw error;
    conflict = error.message;
  }
  const sorted = convention.sort(parent, children);
  const contenders: ContenderView[] = [];
  for (const [position, node] of sorted.entries()) {
    let got: { data: Buffer; stat: Stat };
    try {
      got = await client.getData(node.path);
    } catch (error) {
      if (error instanceof NoNodeError) continue;
      throw error;
    }
    const reader = convention.isReader(node.name) && convention.prefix('x', 'reader') !== undefined;
    contenders.push({
      node,
      convention: conventionOf(node.name),
      reader,
      holds: turnOf(sorted, position, options.slots ?? 1, reader, (name) => convention.isReader(name)).holds,
      session: got.stat.ephemeralOwner,
      data: got.data.toString('utf8'),
      token: got.stat.czxid,
    });
  }
  return { convention, conflict, contenders };
}
