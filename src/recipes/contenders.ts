import { randomUUID } from 'node:crypto';
import { ConnectionLossError, NoNodeError, joinPath, type Stat, type ZkClient } from '../zk/index.js';
import { OwnershipLostError } from './errors.js';
import { removeIfOwned } from './ownership.js';
import { Wakeup } from './wakeup.js';

/** One contender node: its name, path and the 10-digit sequence the server appended. */
export interface ContenderNode {
  name: string;
  path: string;
  sequence: number;
}

const SEQUENCE_SUFFIX = /(\d{10})$/;

/**
 * Contenders in order: by the 10-digit sequence suffix, whatever the prefix, so a node made by hand with
 * `zkCli.sh create -e -s /election/candidate "service3"` takes its place among ours (seed 002). Children
 * without a suffix are not contenders. (The server's counter is a signed 32-bit int; it wraps only after
 * 2^31 creates under one parent, which we do not handle.)
 */
export function sortContenders(parent: string, children: readonly string[]): ContenderNode[] {
  const nodes: ContenderNode[] = [];
  for (const name of children) {
    const match = SEQUENCE_SUFFIX.exec(name);
    if (match) nodes.push({ name, path: joinPath(parent, name), sequence: Number(match[1]) });
  }
  return nodes.sort((a, b) => a.sequence - b.sequence || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Who a contender at `position` must wait for: with one slot its immediate predecessor, else nobody in particular. */
export function predecessorOf(sorted: readonly ContenderNode[], position: number, slots: number): ContenderNode | undefined {
  return slots === 1 && position > 0 ? sorted[position - 1] : undefined;
}

export interface ContenderOptions {
  parent: string;
  /** Name prefix: `candidate-` for elections, `lock-` for locks. */
  prefix: string;
  /** Node data: the contender's name. */
  data: Buffer;
  /** How many may hold at once: 1 for an election or a lock, N for a semaphore. */
  slots?: number;
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

/**
 * The sorted-contenders core shared by election and lock (ZooKeeper's recipes page; Curator LockInternals;
 * kazoo Lock). Each contender creates a protected ephemeral sequential node and, with one slot, watches only
 * its immediate predecessor, so one departure wakes exactly one waiter (no herd). With N slots it watches the
 * parent's children: any departure ahead may admit it.
 */
export class SequentialContender {
  private readonly uuid = randomUUID();
  private readonly wakeup = new Wakeup();
  private own: ContenderNode | undefined;
  readonly slots: number;

  constructor(
    private readonly client: ZkClient,
    readonly options: ContenderOptions,
  ) {
    this.slots = options.slots ?? 1;
  }

  get node(): ContenderNode | undefined {
    return this.own;
  }

  /**
   * Creates our node `<parent>/<prefix><uuid>-NNNNNNNNNN`. After a ConnectionLoss the create may have landed:
   * the uuid finds it again, so there is never an orphan or a second node of ours.
   */
  async enter(): Promise<ContenderNode> {
    const { parent, prefix, data } = this.options;
    await this.client.mkdirp(parent);
    const marker = `${prefix}${this.uuid}-`;
    for (;;) {
      try {
        const created = await this.client.create(joinPath(parent, marker), data, 'ephemeral-sequential');
        const name = created.slice(created.lastIndexOf('/') + 1);
        this.own = sortContenders(parent, [name])[0];
        if (this.own) return this.own;
        throw new Error(`unexpected node name ${created}`);
      } catch (error) {
        if (!(error instanceof ConnectionLossError)) throw error;
        const { children } = await this.client.getChildren(parent);
        const mine = children.find((c) => c.startsWith(marker));
        if (mine) {
          this.own = sortContenders(parent, [mine])[0];
          if (this.own) return this.own;
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
    let lastWaitingOn: string | undefined;
    for (;;) {
      this.wakeup.reset();
      const { children } = await this.client.getChildren(parent, this.slots > 1 ? this.wakeup.watcher : undefined);
      const sorted = sortContenders(parent, children);
      const position = sorted.findIndex((n) => n.name === own.name);
      if (position === -1) throw new OwnershipLostError(`${own.path}`, 'our contender node vanished');
      if (position < this.slots) {
        const stat = await this.client.exists(own.path);
        if (!stat || stat.ephemeralOwner !== this.client.sessionId) {
          throw new OwnershipLostError(own.path, 'our contender node is not owned by our session');
        }
        return { token: stat.czxid, position, stat };
      }
      const predecessor = predecessorOf(sorted, position, this.slots);
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

  private async readData(path: string): Promise<string | undefined> {
    try {
      return (await this.client.getData(path)).data.toString('utf8');
    } catch (error) {
      if (error instanceof NoNodeError) return undefined;
      throw error;
    }
  }

  /** Deletes our node if it is still ours (resign / unlock). Safe to call when not entered or already gone. */
  async leave(): Promise<void> {
    const own = this.own;
    this.own = undefined;
    if (own) await removeIfOwned(this.client, own.path);
  }
}
