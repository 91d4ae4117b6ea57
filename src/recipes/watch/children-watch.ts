import { NoNodeError } from '../../zk/index.js';
import { RearmingWatch } from './rearming-watch.js';

interface Snapshot {
  exists: boolean;
  children: string[];
}

/** A snapshot of a node's children and what changed since the previous one. */
export interface ChildrenEvent {
  path: string;
  /** False while the parent node does not exist. */
  exists: boolean;
  children: string[];
  added: string[];
  removed: string[];
  initial: boolean;
}

interface ChildrenWatchEvents {
  event: [ChildrenEvent];
  error: [Error];
}

/**
 * Follows a node's children (kazoo ChildrenWatch): the current list first, then each change. A snapshot
 * identical to the previous one is not reported.
 */
export class ChildrenWatch extends RearmingWatch<Snapshot, ChildrenWatchEvents> {
  private last: Snapshot | undefined;

  protected async read(): Promise<Snapshot> {
    for (;;) {
      try {
        const { children } = await this.client.getChildren(this.path, this.onWatch);
        return { exists: true, children };
      } catch (error) {
        if (!(error instanceof NoNodeError)) throw error;
      }
      if (!(await this.client.exists(this.path, this.onWatch))) return { exists: false, children: [] };
    }
  }

  protected deliver(next: Snapshot): void {
    const last = this.last;
    this.last = next;
    const before = new Set(last?.children ?? []);
    const after = new Set(next.children);
    const added = next.children.filter((c) => !before.has(c));
    const removed = (last?.children ?? []).filter((c) => !after.has(c));
    if (last && last.exists === next.exists && added.length === 0 && removed.length === 0) return;
    this.emit('event', { path: this.path, exists: next.exists, children: next.children, added, removed, initial: last === undefined });
  }
}
