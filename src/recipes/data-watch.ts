import { EventEmitter } from 'node:events';
import { NoNodeError, type Stat, type WatchEvent, type ZkClient } from '../zk/index.js';

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
 * Follows one znode's value: the current value first, then every change, re-arming ZooKeeper's one-shot
 * watch with each read (kazoo DataWatch). Each read returns the latest value, so a burst of writes may be
 * coalesced but its final value is always reported; events are deduplicated by mzxid, so a version is never
 * reported twice (a re-read after a reconnect or a second watch firing reports nothing new).
 *
 * IMPORTANT: ZooKeeper watches do not survive a lost session. After `lost`, hand a new client to `rebind()`:
 * it re-reads and reports what changed meanwhile (with `resync: true`).
 */
export class DataWatch extends EventEmitter<DataWatchEvents> {
  private last: Snapshot | null | undefined;
  private reading = false;
  private dirty = false;
  private stopped = false;
  /** One function for the watch's whole life: the client dedupes watchers by identity. */
  private readonly onWatch = (_event: WatchEvent): void => this.refresh(false);
  private readonly onState = (event: { state: string; previous: string | undefined }): void => {
    // A reconnect after a suspension: the library replays our watch, but a re-read costs one request and
    // covers a watch that fired while we were away.
    // Not labelled resync: on the same session we cannot tell whether the change came before or after.
    if (event.state === 'connected' && event.previous === 'suspended') this.refresh(false);
  };

  constructor(
    private client: ZkClient,
    readonly path: string,
  ) {
    super();
  }

  /** Reads the current value, emits `initial`, and starts following. Rejects if the first read fails. */
  async start(): Promise<void> {
    this.client.on('state', this.onState);
    await this.runRead(false);
  }

  /** Follows through a new client after the old session was lost, reporting what changed meanwhile. */
  async rebind(client: ZkClient): Promise<void> {
    this.client.off('state', this.onState);
    this.client = client;
    client.on('state', this.onState);
    await this.runRead(true);
  }

  stop(): void {
    this.stopped = true;
    this.client.off('state', this.onState);
  }

  private async read(): Promise<Snapshot | null> {
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

  private async runRead(resync: boolean): Promise<void> {
    this.reading = true;
    this.dirty = false;
    try {
      this.deliver(await this.read(), resync);
    } finally {
      this.reading = false;
    }
    if (this.dirty) this.refresh(false);
  }

  private refresh(resync: boolean): void {
    if (this.stopped) return;
    if (this.reading) {
      this.dirty = true;
      return;
    }
    this.runRead(resync).catch((error: Error) => {
      if (!this.stopped) this.emit('error', error);
    });
  }

  private deliver(next: Snapshot | null, resync: boolean): void {
    if (this.stopped) return;
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
