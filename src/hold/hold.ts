import { HeldNode } from '../recipes/ownership.js';
import type { ZkClient } from '../zk/index.js';

/** How a release ended. Only a confirmed one means another client can hold the node now. */
export type Release =
  | { confirmed: true; how: 'deleted' | 'already-gone' | 'session-closed' | 'consumed' }
  | {
      confirmed: false;
      /** Why the server could not confirm: disconnected, no answer in time. */
      why: string;
      sessionId: string;
      /** The server frees the node when the session expires: at the latest this long from now. */
      expiresWithinMs: number;
    };

/**
 * Something held in ZooKeeper: an ID, a turn in a queue (leadership, a lock, a semaphore slot), an ephemeral
 * node — later a registration, a barrier membership, a queue item. One release interface for every kind.
 */
export interface Hold<Detail = unknown> {
  /** What the acquire step learnt: the ID claimed, the turn taken, the node's stat. */
  readonly detail: Detail;
  /** For messages: "ID 3", "leadership of /election", "lock /locks/db". */
  readonly what: string;
  /** The node whose ownership is the hold. */
  readonly path: string;
  /** The node's creation zxid: strictly greater for every later holder, a fencing token. */
  readonly token: bigint;
  readonly client: ZkClient;
  /** Resolves with the reason once it is no longer ours (session lost, node deleted or taken over). */
  readonly lost: Promise<Error>;
  /** Stops watching and gives the node up; resolves with whether the server confirmed it. Once only. */
  release(): Promise<Release>;
  /**
   * Told the command's own exit status before the release, where that decides how the hold is given up (a
   * queue item: consumed, or released back to the queue).
   */
  commandEnded?(status: number): void;
}

/** A release that has not been answered in this long is reported unconfirmed (SIGTERM must not hang). */
const RELEASE_CAP_MS = 1000;

function capped<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * Gives up a node this client owns: deletes it if it is still ours (never a node another session took over),
 * and if that cannot be confirmed, closes the session, whose answer confirms the node is gone with it.
 */
export async function releaseOwnedNode(client: ZkClient, path: string): Promise<Release> {
  const sessionId = client.sessionIdHex;
  const deleted = capped(
    (async (): Promise<Release | undefined> => {
      if (client.state !== 'connected') return undefined;
      const stat = await client.exists(path);
      if (!stat || stat.ephemeralOwner !== client.sessionId) return { confirmed: true, how: 'already-gone' };
      await client.remove(path, stat.version);
      return { confirmed: true, how: 'deleted' };
    })().catch(() => undefined),
    RELEASE_CAP_MS,
    undefined,
  );
  const result = await deleted;
  if (result) return result;
  if (await capped(client.close(), RELEASE_CAP_MS, false)) return { confirmed: true, how: 'session-closed' };
  // The server counts the timeout from the last packet it received: as late as our last write.
  const lastTouch = Math.max(client.lastHeardAt, client.lastSentAt);
  const timeout = client.sessionTimeoutMs;
  return {
    confirmed: false,
    why: client.state === 'closed' || client.state === 'lost' ? 'the server did not answer' : `the connection is ${client.state}`,
    sessionId,
    expiresWithinMs: Math.max(0, lastTouch + timeout - Date.now()),
  };
}

/**
 * The Hold of a node we own: watched (HeldNode) for deletion, takeover and session loss from the start;
 * `giveUp` (default: delete it if ours) runs at release.
 */
export async function holdOwnedNode<Detail>(
  client: ZkClient,
  node: { path: string; what: string; token: bigint; detail: Detail; commandEnded?: (status: number) => void },
  giveUp: () => Promise<Release> = () => releaseOwnedNode(client, node.path),
): Promise<Hold<Detail>> {
  const watch = new HeldNode(client, node.path, node.what);
  const lost = new Promise<Error>((resolve) => watch.once('lost', resolve));
  await watch.start();
  let released: Promise<Release> | undefined;
  return {
    ...node,
    client,
    lost,
    release() {
      watch.stop();
      released ??= giveUp();
      return released;
    },
  };
}
