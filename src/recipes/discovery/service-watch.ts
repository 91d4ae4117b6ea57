import { NoNodeError, joinPath, type WatchEvent, type ZkClient } from '../../zk/index.js';
import { RearmingWatch } from '../watch/rearming-watch.js';
import { readInstance, sortInstances, type InstanceEntry } from './queries.js';

export type ServiceEvent =
  /** The instances when the watch started, sorted. */
  | { kind: 'initial'; service: string; instances: InstanceEntry[] }
  /** `resync`: seen after a lost session, so it happened while we were not watching. */
  | { kind: 'joined' | 'left' | 'changed'; service: string; entry: InstanceEntry; resync: boolean };

interface ServiceWatchEvents {
  event: [ServiceEvent];
  error: [Error];
}

type Snapshot = Map<string, InstanceEntry>;

/**
 * Follows the instances of one service (Curator's ServiceCache): the current set, then `joined`, `left` and
 * `changed` as instance nodes come, go and change. Each read lists the children and reads only the instances
 * that are new or whose data watch fired, so a burst costs one listing plus one read per instance touched; the
 * final state of a burst is always reached (every read is against the latest state). A node deleted and
 * registered again between two reads (a new czxid) is reported as left, then joined.
 */
export class ServiceWatch extends RearmingWatch<Snapshot, ServiceWatchEvents> {
  private last: Snapshot | undefined;
  private readonly changedNames = new Set<string>();
  private refetchAll = false;
  private readonly parent: string;
  private readonly onData = (event: WatchEvent): void => {
    this.changedNames.add(event.path.slice(event.path.lastIndexOf('/') + 1));
    this.onWatch(event);
  };

  constructor(
    client: ZkClient,
    base: string,
    readonly service: string,
  ) {
    super(client, joinPath(base, service));
    this.parent = joinPath(base, service);
  }

  override rebind(client: ZkClient): Promise<void> {
    // A new session has none of our data watches: read every instance again.
    this.refetchAll = true;
    return super.rebind(client);
  }

  protected async read(): Promise<Snapshot> {
    let children: string[] | undefined;
    while (children === undefined) {
      try {
        children = (await this.client.getChildren(this.parent, this.onWatch)).children;
      } catch (error) {
        if (!(error instanceof NoNodeError)) throw error;
        if (!(await this.client.exists(this.parent, this.onWatch))) children = [];
      }
    }
    const dirty = new Set(this.changedNames);
    this.changedNames.clear();
    const all = this.refetchAll;
    this.refetchAll = false;
    const known = this.last ?? new Map<string, InstanceEntry>();
    const next: Snapshot = new Map();
    await Promise.all(
      children.map(async (name) => {
        const cached = known.get(name);
        const entry = cached && !all && !dirty.has(name) ? cached : await readInstance(this.client, joinPath(this.parent, name), name, this.onData);
        if (entry) next.set(name, entry);
      }),
    );
    return next;
  }

  protected deliver(next: Snapshot, resync: boolean): void {
    const last = this.last;
    this.last = next;
    const service = this.service;
    if (last === undefined) {
      this.emit('event', { kind: 'initial', service, instances: sortInstances([...next.values()]) });
      return;
    }
    for (const entry of sortInstances([...last.values()])) {
      const now = next.get(entry.name);
      if (!now || now.stat.czxid !== entry.stat.czxid) this.emit('event', { kind: 'left', service, entry, resync });
    }
    for (const entry of sortInstances([...next.values()])) {
      const before = last.get(entry.name);
      if (!before || before.stat.czxid !== entry.stat.czxid) this.emit('event', { kind: 'joined', service, entry, resync });
      else if (before.stat.mzxid !== entry.stat.mzxid) this.emit('event', { kind: 'changed', service, entry, resync });
    }
  }
}
