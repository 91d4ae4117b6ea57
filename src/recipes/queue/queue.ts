import {
  MultiOpError,
  NoNodeError,
  joinPath,
  multi,
  multiRequestBytes,
  packTransactions,
  type MultiOp,
  type Stat,
  type ZkClient,
} from '../../zk/index.js';
import type { Acl } from '../../zk/acl.js';
import { tryCreateEphemeral } from '../ownership.js';
import { Wakeup } from '../wakeup.js';
import { entriesPath, entryOrder, entryPrefix, parseEntryName, takenPath } from './layout.js';

export * from './layout.js';
export { ItemTooLargeError, QueueEmptyError } from './errors.js';
import { ItemTooLargeError, QueueEmptyError } from './errors.js';

/** Creates `<queue>/entries` and `<queue>/taken` (kazoo's _ensure_paths). */
export async function ensureQueue(client: ZkClient, queue: string): Promise<void> {
  await client.mkdirp(entriesPath(queue));
  await client.mkdirp(takenPath(queue));
}

export interface PushResult {
  pushed: number;
  /** How many transactions carried them. */
  transactions: number;
  /** The created entry names, in order. */
  names: string[];
}

/**
 * Appends items at one priority, as few transactions as fit in a request each (kazoo's put_all is one): each
 * transaction is all or nothing, the batches land one after the other. Every item is checked first: one too
 * large for a request (ItemTooLargeError) means nothing is written.
 */
export async function pushItems(
  client: ZkClient,
  queue: string,
  items: readonly Buffer[],
  options: { priority: number; maxRequestBytes?: number; onBatch?: (pushed: number) => void },
): Promise<PushResult> {
  const limit = options.maxRequestBytes ?? client.maxRequestBytes;
  const prefix = entryPrefix(queue, options.priority);
  const ops: MultiOp[] = items.map((data) => ({ type: 'create', path: prefix, data, mode: 'persistent-sequential' }));
  // An op's size does not depend on the others: check each alone (a transaction of its own) before sending any.
  const chroot = client.connection.chroot;
  const sizes = ops.map((op) => multiRequestBytes([op], chroot));
  sizes.forEach((bytes, index) => {
    if (bytes > limit) throw new ItemTooLargeError(index, (items[index] as Buffer).length, bytes, limit);
  });
  await ensureQueue(client, queue);
  const names: string[] = [];
  let transactions = 0;
  for (const batch of packTransactions(ops, limit, chroot, sizes)) {
    const results = await multi(client, batch, { maxRequestBytes: limit });
    transactions += 1;
    for (const r of results) if (r.type === 'create') names.push(r.created.slice(r.created.lastIndexOf('/') + 1));
    options.onBatch?.(names.length);
  }
  return { pushed: names.length, transactions, names };
}

/** An entry this session holds by its `taken/` node. */
export interface TakenItem {
  queue: string;
  name: string;
  priority: number;
  data: Buffer;
  /** The entry node's path and our taken node's path. */
  entryPath: string;
  takenPath: string;
  /** Our taken node's stat (its czxid: a fencing token for this delivery). */
  taken: Stat;
}

export interface TakeOptions {
  /** Stored in the taken node: who holds the entry (kazoo stores its consumer's uuid4 hex). */
  owner: Buffer;
  /** The taken node's ACL (default open). */
  acl?: readonly Acl[] | undefined;
  signal?: AbortSignal | undefined;
  deadline?: number | undefined;
  timeoutMs?: number | undefined;
  /** Throw QueueEmptyError instead of waiting when no entry is left at all (taken ones count as not done). */
  untilEmpty?: boolean;
  /** Throw QueueEmptyError instead of waiting when no entry is free (queue pop without --wait). */
  noWait?: boolean;
  /** Called each time it must wait: how many entries exist and how many of them are taken. */
  onWaiting?: (entries: number, taken: number) => void;
}

/**
 * Takes the first entry no one holds (priority, then FIFO) by creating the ephemeral `taken/<name>` as kazoo's
 * LockingQueue does: whoever creates it holds the entry until it consumes it, releases it, or its session ends
 * (then the entry is delivered again: at least once). Waits on the children of `entries` and `taken` (as kazoo
 * does) until one is free; with `untilEmpty`, QueueEmptyError once `entries` is empty. Rejects with
 * StoppedError, WaitTimeoutError or SessionLostError.
 */
export async function takeItem(client: ZkClient, queue: string, options: TakeOptions): Promise<TakenItem> {
  const wakeup = new Wakeup();
  // Not waiting, an absent queue is an empty one: a mistyped path must not leave nodes behind.
  if ((options.noWait || options.untilEmpty) && !(await client.exists(entriesPath(queue)))) throw new QueueEmptyError(queue);
  await ensureQueue(client, queue);
  for (;;) {
    wakeup.reset();
    const entries = entryOrder((await client.getChildren(entriesPath(queue), wakeup.watcher)).children);
    const taken = new Set((await client.getChildren(takenPath(queue), wakeup.watcher)).children);
    for (const name of entries) {
      if (taken.has(name)) continue;
      const item = await tryTake(client, queue, name, options.owner, options.acl);
      if (item) return item;
    }
    const takenCount = entries.filter((e) => taken.has(e)).length;
    if (options.noWait || (entries.length === 0 && options.untilEmpty)) throw new QueueEmptyError(queue, takenCount);
    options.onWaiting?.(entries.length, takenCount);
    await wakeup.wait(client, { signal: options.signal, deadline: options.deadline, timeoutMs: options.timeoutMs, what: `an item in ${queue}` });
  }
}

async function tryTake(client: ZkClient, queue: string, name: string, owner: Buffer, acl: readonly Acl[] | undefined): Promise<TakenItem | undefined> {
  const lockPath = joinPath(takenPath(queue), name);
  const entryPath = joinPath(entriesPath(queue), name);
  const created = await tryCreateEphemeral(client, lockPath, owner, { identifyHolder: false, acl });
  if (!('stat' in created)) return undefined;
  try {
    const { data } = await client.getData(entryPath);
    return { queue, name, priority: parseEntryName(name)?.priority ?? 0, data, entryPath, takenPath: lockPath, taken: created.stat };
  } catch (error) {
    if (!(error instanceof NoNodeError)) throw error;
    // Consumed meanwhile (between our listing and our taken node): give the name back (kazoo #366).
    await client.remove(lockPath, created.stat.version).catch(() => undefined);
    return undefined;
  }
}

/**
 * Consumes a taken entry: deletes the entry and our taken node in one transaction (kazoo `consume()`), only
 * while the taken node is still ours. Resolves false when it no longer is (the session ended and someone else
 * may be running it): nothing is deleted then.
 */
export async function consumeItem(client: ZkClient, item: TakenItem): Promise<boolean> {
  const stat = await client.exists(item.takenPath);
  if (!stat || stat.ephemeralOwner !== client.sessionId) return false;
  try {
    await multi(client, [
      { type: 'delete', path: item.entryPath },
      { type: 'delete', path: item.takenPath, version: stat.version },
    ]);
    return true;
  } catch (error) {
    if (error instanceof MultiOpError) return false;
    throw error;
  }
}

/** Gives a taken entry back (kazoo `release()`): deletes only our taken node, if it is still ours. */
export async function releaseItem(client: ZkClient, item: TakenItem): Promise<boolean> {
  const stat = await client.exists(item.takenPath);
  if (!stat || stat.ephemeralOwner !== client.sessionId) return false;
  await client.remove(item.takenPath, stat.version);
  return true;
}

/**
 * Takes the first free entry and deletes it at once (at most once: an item is lost if the caller dies before
 * using it). Goes through `taken/` like a worker, so it never removes an entry a live worker is running.
 */
export async function popItem(client: ZkClient, queue: string, options: TakeOptions): Promise<TakenItem> {
  for (;;) {
    const item = await takeItem(client, queue, options);
    if (await consumeItem(client, item)) return item;
  }
}

export interface QueueEntry {
  name: string;
  priority: number;
  sequence: number;
  data: Buffer;
  /** The taken node's content (who holds it) and owner session, when a consumer holds it. */
  taken?: { by: string; session: bigint };
}

/** Entries in the order they are taken, each with who holds it; an absent queue is empty. */
export async function listQueue(client: ZkClient, queue: string): Promise<QueueEntry[]> {
  let names: string[];
  let taken: Set<string>;
  try {
    names = entryOrder((await client.getChildren(entriesPath(queue))).children);
  } catch (error) {
    if (error instanceof NoNodeError) return [];
    throw error;
  }
  try {
    taken = new Set((await client.getChildren(takenPath(queue))).children);
  } catch (error) {
    if (!(error instanceof NoNodeError)) throw error;
    taken = new Set();
  }
  const entries = await Promise.all(
    names.map(async (name): Promise<QueueEntry | undefined> => {
      const parsed = parseEntryName(name);
      if (!parsed) return undefined;
      let data: Buffer;
      try {
        data = (await client.getData(joinPath(entriesPath(queue), name))).data;
      } catch (error) {
        if (error instanceof NoNodeError) return undefined;
        throw error;
      }
      if (!taken.has(name)) return { ...parsed, data };
      try {
        const lock = await client.getData(joinPath(takenPath(queue), name));
        return { ...parsed, data, taken: { by: lock.data.toString('utf8'), session: lock.stat.ephemeralOwner } };
      } catch (error) {
        if (error instanceof NoNodeError) return { ...parsed, data };
        throw error;
      }
    }),
  );
  return entries.filter((e): e is QueueEntry => e !== undefined);
}
