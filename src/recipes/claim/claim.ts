import { hex, joinPath, type Stat, type ZkClient } from '../../zk/index.js';
import type { Acl } from '../../zk/acl.js';
import { tryCreateEphemeral } from '../ownership.js';
import { TakenError } from '../errors.js';
import { Wakeup } from '../wakeup.js';

export interface ClaimOptions {
  /** Parent znode; created (with its ancestors) when missing. */
  parent: string;
  /** Node data: who holds the ID. */
  data: Buffer;
  /** Claim exactly this ID. */
  id?: number | undefined;
  /** Pool bound: only IDs 1..max. */
  max?: number | undefined;
  /** Wait (watching, not polling) while the ID or every ID of the pool is taken. Default true. */
  wait?: boolean | undefined;
  /** Give up waiting after this long (WaitTimeoutError). */
  waitTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Earlier sessions of this same holder (after a loss): their nodes are recognised as ours, expiring. */
  previousSessions?: readonly bigint[] | undefined;
  onEvent?: ((event: ClaimEvent) => void) | undefined;
  /** ACL of the ID node (default world:anyone:cdrwa). */
  acl?: readonly Acl[] | undefined;
  /** ACL of the parents we create (default world:anyone:cdrwa). */
  parentAcl?: readonly Acl[] | undefined;
}

export type ClaimEvent =
  | { type: 'waiting'; reason: 'pool-full' | 'id-taken'; id?: number }
  | { type: 'contended'; id: number }
  | { type: 'stale'; path: string; owner: string };

export interface ClaimedId {
  id: number;
  path: string;
  /** The node's creation zxid: a fencing token, strictly greater for every later claim under any parent. */
  token: bigint;
  sessionId: bigint;
  stat: Stat;
}

const ID_NAME = /^[1-9]\d{0,15}$/;

/** The IDs in a list of child names (plain positive decimals; anything else under the parent is ignored). */
export function heldIds(children: readonly string[]): Set<number> {
  return new Set(children.filter((c) => ID_NAME.test(c)).map(Number));
}

/** The lowest ID ≥ 1 not in `held` (within `max`), or undefined when the pool is full. */
export function lowestFreeId(held: ReadonlySet<number>, max?: number): number | undefined {
  for (let id = 1; max === undefined || id <= max; id += 1) {
    if (!held.has(id)) return id;
  }
  return undefined;
}

/**
 * Claims the lowest free positive integer under `parent` as an ephemeral node `<parent>/<id>`, and resolves
 * once the node is certainly ours (its ephemeralOwner is our session).
 *
 * Unlike the seed's five-tries loop, there is no retry limit that can give up while IDs are free or keep a
 * number another instance holds: NodeExists moves on to the next free number; a ConnectionLoss during the
 * create is resolved by looking at the node's owner. IDs are taken lowest first, so K concurrent claimers
 * end up with exactly 1..K.
 */
export async function claimLowestFreeId(client: ZkClient, options: ClaimOptions): Promise<ClaimedId> {
  const { parent, id: wanted, max } = options;
  const wait = options.wait ?? true;
  const deadline = options.waitTimeoutMs !== undefined ? Date.now() + options.waitTimeoutMs : undefined;
  const wakeup = new Wakeup();
  const previous = new Set(options.previousSessions ?? []);
  await client.mkdirp(parent, Buffer.alloc(0), options.parentAcl);
  for (;;) {
    wakeup.reset();
    // The child watch is armed on every listing; it matters only when we end up waiting.
    const { children } = await client.getChildren(parent, wakeup.watcher);
    const held = heldIds(children);
    if (previous.size > 0) await reportStale(client, parent, held, previous, options.onEvent);
    for (;;) {
      const candidate = wanted ?? lowestFreeId(held, max);
      if (candidate === undefined || held.has(candidate)) {
        const reason = wanted !== undefined ? 'id-taken' : 'pool-full';
        if (!wait) throw new TakenError(wanted !== undefined ? `ID ${wanted} under ${parent}` : `every ID 1..${max} under ${parent}`);
        options.onEvent?.({ type: 'waiting', reason, ...(wanted !== undefined ? { id: wanted } : {}) });
        await wakeup.wait(client, {
          deadline,
          timeoutMs: options.waitTimeoutMs,
          signal: options.signal,
          what: wanted !== undefined ? `ID ${wanted} under ${parent}` : `a free ID under ${parent}`,
        });
        break;
      }
      const path = joinPath(parent, String(candidate));
      const created = await tryCreateEphemeral(client, path, options.data, { identifyHolder: false, acl: options.acl });
      if ('stat' in created) return { id: candidate, path, token: created.stat.czxid, sessionId: client.sessionId, stat: created.stat };
      // Taken by another claimer between our listing and our create: the next number, no re-listing.
      held.add(candidate);
      options.onEvent?.({ type: 'contended', id: candidate });
    }
  }
}

async function reportStale(
  client: ZkClient,
  parent: string,
  held: ReadonlySet<number>,
  previous: ReadonlySet<bigint>,
  onEvent: ClaimOptions['onEvent'],
): Promise<void> {
  const stats = await Promise.all([...held].map((id) => client.exists(joinPath(parent, String(id)))));
  for (const stat of stats) {
    if (stat && previous.has(stat.ephemeralOwner)) {
      const id = [...held][stats.indexOf(stat)];
      onEvent?.({ type: 'stale', path: joinPath(parent, String(id)), owner: hex(stat.ephemeralOwner) });
    }
  }
}
