import { EventEmitter } from 'node:events';
import type { StateChangeEvent, WatchEvent, ZkClient } from '../../zk/index.js';

/**
 * The engine of a followed znode (kazoo DataWatch / ChildrenWatch): read with a one-shot watch, re-arm by
 * reading again whenever it fires, and hand each snapshot to `deliver`. Reads never overlap: a firing during
 * a read marks the watch dirty and triggers one more read, so the latest state is always delivered.
 *
 * IMPORTANT: ZooKeeper watches do not survive a lost session. After `lost`, hand a new client to `rebind()`:
 * it reads again (with `resync` true), so the subclass can report what changed meanwhile.
 */
export abstract class RearmingWatch<Snapshot, Events extends Record<keyof Events, unknown[]> & { error: [Error] }> extends EventEmitter<Events> {
  private reading = false;
  private dirty = false;
  protected stopped = false;
  /** One function for the watch's whole life: the client dedupes watchers by identity (the client library's issue #72). */
  protected readonly onWatch = (_event: WatchEvent): void => this.refresh();
  private readonly onState = (event: StateChangeEvent): void => {
    // After a suspension the library replays our watch, but one re-read also covers a firing we missed. Not
    // labelled resync: on the same session we cannot tell whether a change came before or after.
    if (event.state === 'connected' && event.previous === 'suspended') this.refresh();
  };

  constructor(
    protected client: ZkClient,
    readonly path: string,
  ) {
    super();
  }

  /** Reads the current state, delivers it, and starts following. Rejects if the first read fails. */
  async start(): Promise<void> {
    this.client.on('state', this.onState);
    await this.runRead(false);
  }

  /** Follows through a new client after the old session was lost, delivering what changed meanwhile. */
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

  /** One read that also arms the watch (with `this.onWatch`). */
  protected abstract read(): Promise<Snapshot>;

  /** Compares with the previous snapshot and emits what changed. */
  protected abstract deliver(snapshot: Snapshot, resync: boolean): void;

  private async runRead(resync: boolean): Promise<void> {
    this.reading = true;
    this.dirty = false;
    try {
      const snapshot = await this.read();
      if (!this.stopped) this.deliver(snapshot, resync);
    } finally {
      this.reading = false;
    }
    if (this.dirty) this.refresh();
  }

  private refresh(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.dirty = true;
      return;
    }
    this.runRead(false).catch((error: Error) => {
      if (!this.stopped) (this as EventEmitter).emit('error', error);
    });
  }
}
