import { NoNodeError, type Stat } from '../../zk/index.js';
import { RearmingWatch } from './rearming-watch.js';

/** What a data watch reports. `initial` comes once, first; the rest as they happen. */
export type DataEvent =
  | { kind: 'initial'; path: string; exists: true; data: Buffer; stat: Stat }
  | { kind: 'initial'; path: string; exists: false }
  | { kind: 'created' | 'changed'; path: string; data: Buffer; stat: Stat; resync: boolean }
  | { kind: 'deleted'; path: string; resync: boolean };

interface Snapshot {
  data: Buffer;
  stat: Stat;
}

interface DataWatchEvents {
  event: [DataEvent];
  error: [Error];
}

/**
 * Follows one znode's value: the current value first, then every change (kazoo DataWatch). Each read
 * returns the latest value, so a burst of writes may be coalesced but its final value is always reported;
 * events are deduplicated by mzxid, so a version is never reported twice (a re-read after a reconnect or a
 * second watch firing reports nothing new). After a lost session, `rebind()` reports what changed meanwhile
 * with `resync: true`.
 */
export class DataWatch extends RearmingWatch<Snapshot | null, DataWatchEvents> {
  private last: Snapshot | null | undefined;

  protected async read(): Promise<Snapshot | null> {
    for (;;) {
      try {
        return await this.client.getData(this.path, this.onWatch);
      } catch (error) {
        if (!(error instanceof NoNodeError)) throw error;
      }
      // Absent: an exists watch tells us when it appears. If it appeared in between, read it again.
      if (!(await this.client.exists(this.path, this.onWatch))) return null;
    }
  }

  protected deliver(next: Snapshot | null, resync: boolean): void {
    const last = this.last;
    this.last = next;
    const path = this.path;
    if (last === undefined) {
      this.emit('event', next ? { kind: 'initial', path, exists: true, ...next } : { kind: 'initial', path, exists: false });
      return;
    }
    if (last && !next) {
      this.emit('event', { kind: 'deleted', path, resync });
    } else if (!last && next) {
      this.emit('event', { kind: 'created', path, ...next, resync });
    } else if (last && next) {
      if (next.stat.czxid !== last.stat.czxid) {
        // Deleted and created again between two reads.
        this.emit('event', { kind: 'deleted', path, resync });
        this.emit('event', { kind: 'created', path, ...next, resync });
      } else if (next.stat.mzxid !== last.stat.mzxid) {
        this.emit('event', { kind: 'changed', path, ...next, resync });
      }
    }
  }
}
