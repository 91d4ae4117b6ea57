import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { ZkClient, type ZkClientOptions } from '../../src/zk/index.js';

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
