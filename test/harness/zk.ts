import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { ZkClient, type ZkClientOptions } from '../../src/zk/index.js';
import { fourLetterWord } from '../../src/zk/four-letter.js';

/** Connection string of the run's shared standalone server. */
export function zkConnect(): string {
  return inject('zkConnect');
}

const clients = new Set<ZkClient>();

/** A client of the shared server (or of `connectString`); closed by `closeClients()`. */
export async function newClient(options: Partial<ZkClientOptions> = {}): Promise<ZkClient> {
  const client = await ZkClient.connect({ connectString: zkConnect(), sessionTimeoutMs: 4000, ...options });
  clients.add(client);
  return client;
}

export async function closeClients(): Promise<void> {
  await Promise.all([...clients].map((c) => c.close()));
  clients.clear();
}

/** A path no other test uses. */
export function uniquePath(prefix = 't'): string {
  return `/${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves once the server holds a watch on `path` (four-letter word `wchp`): a spawned waiter is armed, so a
 * change made now is one it must see (a fixed sleep races a slow start on a loaded machine).
 */
export async function watchArmed(path: string, connectString = zkConnect(), timeoutMs = 15_000): Promise<void> {
  const [host, port] = (connectString.split(',')[0] ?? '').split('/')[0]!.split(':');
  await waitFor(async () => (await fourLetterWord(host ?? '127.0.0.1', Number(port), 'wchp', 1000).catch(() => '')).split('\n').some((l) => l.trim() === path), timeoutMs, `a watch on ${path}`);
}
