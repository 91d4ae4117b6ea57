import { EventEmitter } from 'node:events';
import { NoNodeError, type WatchEvent, type ZkClient } from '../zk/index.js';

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
 * Follows a node's children (kazoo ChildrenWatch): the current list first, then each change, re-arming the
 * one-shot child watch with every read. A snapshot identical to the previous one is not reported.
 */
export class ChildrenWatch extends EventEmitter<ChildrenWatchEvents> {
  private last: { exists: boolean; children: string[] } | undefined;
  private reading = false;
  private dirty = false;
  private stopped = false;
  private readonly onWatch = (_event: WatchEvent): void => this.refresh();
  private readonly onState = (event: { state: string; previous: string | undefined }): void => {
    if (event.state === 'connected' && event.previous === 'suspended') this.refresh();
  };

  constructor(
    private client: ZkClient,
    readonly path: string,
  ) {
    super();
  }

  async start(): Promise<void> {
    this.client.on('state', this.onState);
    await this.runRead();
  }

  /** Follows through a new client after the old session was lost. */
  async rebind(client: ZkClient): Promise<void> {
    this.client.off('state', this.onState);
    this.client = client;
    client.on('state', this.onState);
    await this.runRead();
  }

  stop(): void {
    this.stopped = true;
    this.client.off('state', this.onState);
  }

  private async read(): Promise<{ exists: boolean; children: string[] }> {
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

  private async runRead(): Promise<void> {
    this.reading = true;
    this.dirty = false;
    try {
      this.deliver(await this.read());
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
    this.runRead().catch((error: Error) => {
      if (!this.stopped) this.emit('error', error);
    });
  }

  private deliver(next: { exists: boolean; children: string[] }): void {
    if (this.stopped) return;
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
