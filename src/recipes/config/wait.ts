import { EventEmitter } from 'node:events';
import type { Stat, ZkClient } from '../../zk/index.js';
import { DataWatch, type DataEvent } from '../watch/data-watch.js';

/** What `config wait` waits for. */
export type WaitCondition =
  | { kind: 'exists' }
  | { kind: 'deleted' }
  /** The node exists and holds exactly these bytes. */
  | { kind: 'value'; value: Buffer }
  /** Anything different from the state read at start: a new version, a deletion, a creation, a re-creation. */
  | { kind: 'changed' };

/** The state that satisfied the condition. */
export type WaitOutcome = { path: string; exists: true; data: Buffer; stat: Stat } | { path: string; exists: false };

interface ConfigWaitEvents {
  satisfied: [WaitOutcome];
  error: [Error];
}

/**
 * Waits for a condition on one znode, with watches (a DataWatch: re-armed, no polling). Emits `satisfied`
 * once, with the state that met the condition, possibly right after `start()` when it already holds. Through
 * a lost session, `rebind()` reads again with the new client and checks again; for `changed`, against the
 * state read at the very start, so a change made while the session was lost counts.
 */
export class ConfigWait extends EventEmitter<ConfigWaitEvents> {
  private readonly watch: DataWatch;
  private baseline: WaitOutcome | undefined;
  private done = false;

  constructor(
    client: ZkClient,
    readonly path: string,
    readonly condition: WaitCondition,
  ) {
    super();
    this.watch = new DataWatch(client, path);
    this.watch.on('event', (event) => this.check(event));
    this.watch.on('error', (error) => this.emit('error', error));
  }

  /** Reads the node and starts waiting. Rejects if the first read fails. */
  start(): Promise<void> {
    return this.watch.start();
  }

  rebind(client: ZkClient): Promise<void> {
    return this.watch.rebind(client);
  }

  stop(): void {
    this.watch.stop();
  }

  get satisfied(): boolean {
    return this.done;
  }

  private check(event: DataEvent): void {
    if (this.done) return;
    const state: WaitOutcome = 'stat' in event ? { path: this.path, exists: true, data: event.data, stat: event.stat } : { path: this.path, exists: false };
    if (event.kind === 'initial') this.baseline = state;
    if (!this.holds(state, event.kind === 'initial')) return;
    this.done = true;
    this.watch.stop();
    this.emit('satisfied', state);
  }

  private holds(state: WaitOutcome, initial: boolean): boolean {
    switch (this.condition.kind) {
      case 'exists':
        return state.exists;
      case 'deleted':
        return !state.exists;
      case 'value':
        return state.exists && state.data.equals(this.condition.value);
      case 'changed': {
        if (initial) return false;
        const before = this.baseline;
        if (!before || before.exists !== state.exists) return true;
        return before.exists && state.exists && (before.stat.czxid !== state.stat.czxid || before.stat.mzxid !== state.stat.mzxid);
      }
    }
  }
}
