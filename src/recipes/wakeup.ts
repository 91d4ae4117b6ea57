import { SessionLostError, type StateChangeEvent, type Watcher, type ZkClient } from '../zk/index.js';
import { StoppedError, WaitTimeoutError } from './errors.js';

export interface WaitOptions {
  /** Epoch ms; no deadline when undefined. */
  deadline?: number | undefined;
  signal?: AbortSignal | undefined;
  /** The whole allowance the deadline stands for, for the timeout message. */
  timeoutMs?: number | undefined;
  /** For the timeout message: "a free ID under /sequence". */
  what: string;
}

/**
 * A stable watcher and the means to wait for it. One per recipe instance: the client dedupes watchers by
 * function identity, so re-arming the same one never piles up listeners (the client library's issue #72).
 * Call `reset()` before arming; a firing between arming and `wait()` is not missed.
 */
export class Wakeup {
  private fired = false;
  private readonly waiters = new Set<() => void>();
  readonly watcher: Watcher = () => {
    this.fired = true;
    for (const wake of [...this.waiters]) wake();
  };

  reset(): void {
    this.fired = false;
  }

  /**
   * Resolves when the watch fires (or fired since `reset`) or the client reconnects after a suspension (the
   * caller re-checks either way); rejects with SessionLostError, StoppedError or WaitTimeoutError.
   */
  wait(client: ZkClient, options: WaitOptions): Promise<void> {
    if (this.fired) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        this.waiters.delete(wake);
        client.off('state', onState);
        options.signal?.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
      };
      const wake = (): void => {
        cleanup();
        resolve();
      };
      const onState = (event: StateChangeEvent): void => {
        if (event.state === 'lost' || event.state === 'closed') {
          cleanup();
          reject(new SessionLostError(event.reason ?? 'closed'));
        } else if (event.state === 'connected') {
          wake();
        }
      };
      const onAbort = (): void => {
        cleanup();
        reject(new StoppedError(options.signal?.reason));
      };
      const timer =
        options.deadline !== undefined
          ? setTimeout(() => {
              cleanup();
              reject(new WaitTimeoutError(options.what, options.timeoutMs ?? 0));
            }, Math.max(0, options.deadline - Date.now()))
          : undefined;
      if (options.signal?.aborted) return onAbort();
      if (client.state === 'lost' || client.state === 'closed') {
        cleanup();
        return reject(new SessionLostError(client.lostReason ?? 'closed'));
      }
      this.waiters.add(wake);
      client.on('state', onState);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
