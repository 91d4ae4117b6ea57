import { EventEmitter } from 'node:events';
import {
  ConnectionLossError,
  NoNodeError,
  SessionLostError,
  ZkTimeoutError,
  joinPath,
  parentOf,
  type StateChangeEvent,
  type Stat,
  type WatchEvent,
  type ZkClient,
} from '../../zk/index.js';

/** What a tree cache reports, one node per event, with its full path. */
export type TreeEvent =
  | { kind: 'initial'; path: string; data: Buffer; stat: Stat }
  | { kind: 'created' | 'changed'; path: string; data: Buffer; stat: Stat; resync: boolean }
  | { kind: 'deleted'; path: string; resync: boolean };

interface TreeCacheEvents {
  event: [TreeEvent];
  /** The initial load is complete (after its `initial` events). */
  ready: [];
  error: [Error];
}

interface CachedNode {
  path: string;
  data: Buffer;
  stat: Stat;
  children: Set<string>;
  /** At most one read of each kind in flight per node; a firing meanwhile asks for one more (bounded work). */
  dataReading: boolean;
  dataDirty: boolean;
  childrenReading: boolean;
  childrenDirty: boolean;
}

type ReadKind = 'data' | 'children';

/**
 * Reads in flight at once. Loading a wide tree would otherwise send every read of a level together: 10k
 * nodes meant 20k requests, promises and deadline timers at once and a peak RSS that V8 never gives back.
 * A few hundred keep the pipeline full.
 */
const MAX_READS_IN_FLIGHT = 256;

/**
 * Every node of a subtree, kept current (Curator's TreeCache, on ZooKeeper 3.4 watches: the client library
 * has no persistent recursive watch, addWatch). Each cached node holds exactly one data watch and one child
 * watch, re-armed by the read each firing triggers; a firing during a read asks for one more read, so work
 * per node is bounded and the last read always follows the last change: after any burst the cache holds
 * the final state. Nodes created later are found through their parent's child watch, at any depth.
 *
 * Changes are reported once each: `created` (a new node or one re-created between two reads), `changed` (by
 * mzxid, so a re-read reports nothing twice), `deleted` (descendants before their ancestors). Writes in a
 * burst may be coalesced into their final value, as with any ZooKeeper watch.
 *
 * On the same session the library replays our watches on reconnect (SetWatches, with the last zxid seen), so
 * changes made while disconnected fire as usual. After a lost session, `rebind()` re-reads the whole tree
 * through the new client and reports what changed meanwhile with `resync: true`.
 */
export class TreeCache extends EventEmitter<TreeCacheEvents> {
  private readonly nodes = new Map<string, CachedNode>();
  private readonly inFlight = new Set<Promise<void>>();
  private reads = 0;
  private readonly readQueue: (() => void)[] = [];
  private readonly retry = new Map<string, Set<ReadKind>>();
  /**
   * Nodes being read for the first time, with the watch firings they got meanwhile. The library decodes a
   * whole socket chunk at once: a notification right behind the reply that armed it is delivered before
   * the read's continuation runs, while the node is not cached yet. Dropping it would lose the change.
   */
  private readonly adding = new Map<string, Set<ReadKind>>();
  private rootMissing = false;
  private rootFired = false;
  private initialising = false;
  private resyncing = false;
  private stopped = false;
  private loadFailure: Error | undefined;
  /** One function for every watch: the client dedupes watchers per path by identity (the client library's issue #72, named in src/zk/client.ts). */
  private readonly onWatch = (event: WatchEvent): void => this.onFire(event);
  private readonly onState = (event: StateChangeEvent): void => {
    if (event.state === 'connected') this.retryFailed();
  };

  constructor(
    private client: ZkClient,
    readonly root: string,
  ) {
    super();
  }

  /** Loads the subtree (emitting `initial` per node, parents first), then `ready`. Rejects if a read fails. */
  async start(): Promise<void> {
    this.client.on('state', this.onState);
    this.initialising = true;
    try {
      this.track(this.loadRoot());
      await this.settled();
    } finally {
      this.initialising = false;
    }
    if (!this.stopped) this.emit('ready');
  }

  /** Follows through a new client after the old session was lost, reporting what changed meanwhile. */
  async rebind(client: ZkClient): Promise<void> {
    this.client.off('state', this.onState);
    this.client = client;
    client.on('state', this.onState);
    this.retry.clear();
    this.resyncing = true;
    try {
      // Reads in flight belong to the dead session: their results no longer matter.
      for (const node of this.nodes.values()) {
        node.dataReading = node.childrenReading = false;
        node.dataDirty = node.childrenDirty = false;
      }
      if (this.nodes.has(this.root)) this.refreshSubtree(this.root);
      else this.track(this.loadRoot());
      await this.settled();
    } finally {
      this.resyncing = false;
    }
  }

  stop(): void {
    this.stopped = true;
    this.client.off('state', this.onState);
  }

  /** Resolves once no read is in flight: the cache reflects every change notified so far. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    const failure = this.loadFailure;
    this.loadFailure = undefined;
    if (failure) throw failure;
  }

  /** How many nodes are cached. */
  get size(): number {
    return this.nodes.size;
  }

  /** Watches this cache holds on the server: a data and a child watch per node (an exists watch while the root is missing). */
  get watchCount(): number {
    return this.nodes.size * 2 + (this.rootMissing ? 1 : 0);
  }

  /** The cached value and stat of a node. */
  get(path: string): { data: Buffer; stat: Stat } | undefined {
    const node = this.nodes.get(path);
    return node ? { data: node.data, stat: node.stat } : undefined;
  }

  /** Every cached path, sorted. */
  paths(): string[] {
    return [...this.nodes.keys()].sort();
  }

  /** One request to the server, at most MAX_READS_IN_FLIGHT at a time. */
  private async request<T>(send: () => Promise<T>): Promise<T> {
    if (this.reads >= MAX_READS_IN_FLIGHT) await new Promise<void>((resolve) => this.readQueue.push(resolve));
    this.reads += 1;
    try {
      return await send();
    } finally {
      this.reads -= 1;
      this.readQueue.shift()?.();
    }
  }

  private track(promise: Promise<void>): void {
    const tracked = promise.catch((error: unknown) => this.fail(error)).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Tracked reads never reject: a failure of the initial load fails start(), any later one is an `error` event. */
  private fail(error: unknown): void {
    if (this.stopped || error instanceof SessionLostError) return;
    if (this.initialising) this.loadFailure ??= error as Error;
    else this.emit('error', error as Error);
  }

  /** A read that could not be done now (the connection is down past the request deadline): again once connected. */
  private deferred(error: unknown, path: string, kind: ReadKind): boolean {
    if (!(error instanceof ZkTimeoutError || error instanceof ConnectionLossError) || this.initialising) return false;
    let kinds = this.retry.get(path);
    if (!kinds) this.retry.set(path, (kinds = new Set()));
    kinds.add(kind);
    if (this.client.state === 'connected') setTimeout(() => this.retryFailed(), 100).unref();
    return true;
  }

  private retryFailed(): void {
    const pending = [...this.retry];
    this.retry.clear();
    for (const [path, kinds] of pending) {
      if (path === this.root && !this.nodes.has(path)) this.track(this.loadRoot());
      for (const kind of kinds) this.schedule(path, kind);
    }
  }

  private emitEvent(event: TreeEvent): void {
    if (!this.stopped) this.emit('event', event);
  }

  private onFire(event: WatchEvent): void {
    if (this.stopped) return;
    if (event.path === this.root && !this.nodes.has(this.root)) {
      this.rootFired = true;
      if (this.rootMissing) {
        this.rootMissing = false;
        this.track(this.loadRoot());
      }
      return;
    }
    const kind: ReadKind = event.type === 'children' ? 'children' : 'data';
    if (!this.nodes.has(event.path)) this.adding.get(event.path)?.add(kind);
    else this.schedule(event.path, kind);
  }

  private schedule(path: string, kind: ReadKind): void {
    const node = this.nodes.get(path);
    if (!node || this.stopped) return;
    if (kind === 'data') {
      if (node.dataReading) node.dataDirty = true;
      else this.track(this.readData(node));
    } else if (node.childrenReading) {
      node.childrenDirty = true;
    } else {
      this.track(this.readChildren(node));
    }
  }

  /** Reads the root, or arms an exists watch while it is missing. */
  private async loadRoot(): Promise<void> {
    for (;;) {
      if (await this.addNode(this.root)) return;
      if (this.stopped) return;
      // (A firing decoded in the same chunk as the exists reply arrives before we get here: see `adding`.)
      this.rootFired = false;
      if (!(await this.client.exists(this.root, this.onWatch)) && !this.rootFired) {
        this.rootMissing = true;
        return;
      }
    }
  }

  /** Reads a node not yet cached (with its watches), reports it, and loads its children. False if it is gone. */
  private async addNode(path: string): Promise<boolean> {
    let read: { data: Buffer; stat: Stat };
    const missed = new Set<ReadKind>();
    this.adding.set(path, missed);
    try {
      read = await this.request(() => this.client.getData(path, this.onWatch));
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
      this.nodes.get(parentOf(path))?.children.delete(path.slice(path.lastIndexOf('/') + 1));
      return false;
    } finally {
      if (this.adding.get(path) === missed) this.adding.delete(path);
    }
    if (this.stopped || this.nodes.has(path)) return true;
    if (path !== this.root) {
      // The parent may have lost this child (or been removed) while we read it.
      const parent = this.nodes.get(parentOf(path));
      if (!parent || !parent.children.has(path.slice(path.lastIndexOf('/') + 1))) return true;
    }
    const node: CachedNode = {
      path,
      data: read.data,
      stat: read.stat,
      children: new Set(),
      dataReading: false,
      dataDirty: false,
      childrenReading: false,
      childrenDirty: false,
    };
    this.nodes.set(path, node);
    if (this.initialising) this.emitEvent({ kind: 'initial', path, data: read.data, stat: read.stat });
    else this.emitEvent({ kind: 'created', path, data: read.data, stat: read.stat, resync: this.resyncing });
    // The children read below arms the child watch; a data firing missed meanwhile needs one more read.
    if (missed.has('data')) this.schedule(path, 'data');
    await this.readChildren(node);
    return true;
  }

  private async readData(node: CachedNode): Promise<void> {
    node.dataReading = true;
    node.dataDirty = false;
    let read: { data: Buffer; stat: Stat } | undefined;
    try {
      read = await this.request(() => this.client.getData(node.path, this.onWatch));
    } catch (error) {
      if (this.nodes.get(node.path) !== node) return;
      node.dataReading = false;
      if (error instanceof NoNodeError) {
        this.removeSubtree(node.path);
        if (node.path === this.root) this.track(this.loadRoot());
        return;
      }
      if (this.deferred(error, node.path, 'data')) return;
      throw error;
    }
    if (this.nodes.get(node.path) !== node) return;
    node.dataReading = false;
    if (read.stat.czxid !== node.stat.czxid) {
      // Deleted and created again between two reads: a new node, with a subtree of its own.
      this.removeSubtree(node.path);
      this.nodes.get(parentOf(node.path))?.children.add(node.path.slice(node.path.lastIndexOf('/') + 1));
      this.track(node.path === this.root ? this.loadRoot() : this.addNode(node.path).then(() => undefined));
      return;
    }
    const changed = read.stat.mzxid !== node.stat.mzxid;
    node.data = read.data;
    node.stat = read.stat;
    if (changed) this.emitEvent({ kind: 'changed', path: node.path, data: read.data, stat: read.stat, resync: this.resyncing });
    if (node.dataDirty) this.schedule(node.path, 'data');
  }

  private async readChildren(node: CachedNode): Promise<void> {
    node.childrenReading = true;
    node.childrenDirty = false;
    let listed: string[];
    try {
      listed = (await this.request(() => this.client.getChildren(node.path, this.onWatch))).children;
    } catch (error) {
      if (this.nodes.get(node.path) !== node) return;
      node.childrenReading = false;
      // Gone: its data watch reports the deletion.
      if (error instanceof NoNodeError) return;
      if (this.deferred(error, node.path, 'children')) return;
      throw error;
    }
    if (this.nodes.get(node.path) !== node) return;
    node.childrenReading = false;
    const next = new Set(node.path === '/' ? listed.filter((c) => c !== 'zookeeper') : listed);
    for (const name of [...node.children]) {
      if (!next.has(name)) {
        node.children.delete(name);
        this.removeSubtree(joinPath(node.path, name));
      }
    }
    const loads: Promise<boolean>[] = [];
    for (const name of next) {
      if (node.children.has(name)) continue;
      node.children.add(name);
      loads.push(this.addNode(joinPath(node.path, name)));
    }
    if (node.childrenDirty) this.schedule(node.path, 'children');
    await Promise.all(loads);
  }

  /** Drops a node and its cached descendants, reporting each deletion, deepest first. */
  private removeSubtree(path: string): void {
    const doomed: string[] = [];
    const visit = (p: string): void => {
      const node = this.nodes.get(p);
      if (!node) return;
      for (const child of node.children) visit(joinPath(p, child));
      doomed.push(p);
    };
    visit(path);
    for (const p of doomed) {
      this.nodes.delete(p);
      this.retry.delete(p);
      this.emitEvent({ kind: 'deleted', path: p, resync: this.resyncing });
    }
    if (path !== this.root) this.nodes.get(parentOf(path))?.children.delete(path.slice(path.lastIndexOf('/') + 1));
  }

  /** After a new session: every cached node read again (with new watches), the differences reported. */
  private refreshSubtree(path: string): void {
    const node = this.nodes.get(path);
    if (!node) return;
    const children = [...node.children];
    this.track(this.readData(node));
    this.track(this.readChildren(node));
    for (const child of children) this.refreshSubtree(joinPath(path, child));
  }
}
