import { EventEmitter } from 'node:events';
import {
  ConnectionLossError,
  NodeExistsError,
  SessionLostError,
  hex,
  type StateChangeEvent,
  type Stat,
  type WatchEvent,
  type ZkClient,
} from '../zk/index.js';
import type { Acl } from '../zk/acl.js';
import { OwnershipLostError } from './errors.js';

/** A node exists, owned by another session. */
export class HeldByOtherError extends NodeExistsError {
  constructor(
    path: string,
    readonly owner: bigint,
  ) {
    super(path);
    // Owner 0: a persistent node (ZooKeeper's ephemeralOwner is 0 for those), which no session holds.
    this.message = owner === 0n ? `node already exists: ${path} (a persistent node)` : `node already exists: ${path} (held by session ${hex(owner)})`;
  }
}

/** The outcome of one ephemeral create: ours (with its stat), or held by another session. */
export type EphemeralCreate = { stat: Stat } | { holder: bigint | undefined };

/**
 * Creates an ephemeral node and resolves once it is certainly ours, or with the session that holds it. A
 * create cut off by a ConnectionLoss may have landed: the node's owner tells whether it is ours. A plain
 * NodeExists is another session's node; its owner is read only with `identifyHolder` (claim skips it: one
 * request per contended number).
 */
export async function tryCreateEphemeral(
  client: ZkClient,
  path: string,
  data: Buffer,
  options: { identifyHolder: boolean; acl?: readonly Acl[] | undefined },
): Promise<EphemeralCreate> {
  let cutOff = false;
  for (;;) {
    try {
      await client.create(path, data, 'ephemeral', options.acl);
    } catch (error) {
      if (error instanceof ConnectionLossError) cutOff = true;
      else if (!(error instanceof NodeExistsError)) throw error;
      else if (!cutOff && !options.identifyHolder) return { holder: undefined };
    }
    const stat = await client.exists(path);
    // Absent: our create did not land, or the holder just left. Either way the name is free: try again.
    if (stat === null) continue;
    return stat.ephemeralOwner === client.sessionId ? { stat } : { holder: stat.ephemeralOwner };
  }
}

/**
 * Creates an ephemeral node and resolves with its stat once it is certainly ours. Rejects with
 * HeldByOtherError (a NodeExistsError) when another session holds it.
 */
export async function createOwnedEphemeral(client: ZkClient, path: string, data: Buffer, acl?: readonly Acl[]): Promise<Stat> {
  const result = await tryCreateEphemeral(client, path, data, { identifyHolder: true, acl });
  if ('stat' in result) return result.stat;
  throw new HeldByOtherError(path, result.holder ?? 0n);
}

interface HeldNodeEvents {
  /** We no longer hold the node: the session is lost, or the node was deleted or replaced. */
  lost: [Error];
}

/**
 * Keeps an eye on a node we hold: reports `lost` when our session is lost or the node is deleted (say, by
 * hand with zkCli) or re-created by another session. Re-checks after every reconnect.
 */
export class HeldNode extends EventEmitter<HeldNodeEvents> {
  private stopped = false;
  private lostAlready = false;
  private readonly onWatch = (_event: WatchEvent): void => void this.check();
  private readonly onState = (event: StateChangeEvent): void => {
    if (event.state === 'lost') this.fail(new SessionLostError(event.reason ?? 'expired', this.path));
    else if (event.state === 'connected' && event.previous === 'suspended') void this.check();
  };

  constructor(
    private readonly client: ZkClient,
    readonly path: string,
    private readonly what: string,
  ) {
    super();
  }

  /** Starts watching; rejects if the node is already not ours. */
  async start(): Promise<void> {
    this.client.on('state', this.onState);
    await this.check(true);
  }

  private fail(error: Error): void {
    if (this.stopped || this.lostAlready) return;
    this.lostAlready = true;
    this.client.off('state', this.onState);
    this.emit('lost', error);
  }

  private async check(first = false): Promise<void> {
    if (this.stopped || this.lostAlready) return;
    try {
      const { stat } = await this.client.getData(this.path, this.onWatch);
      if (stat.ephemeralOwner !== this.client.sessionId) {
        const error = new OwnershipLostError(this.what, `${this.path} now belongs to session ${hex(stat.ephemeralOwner)}`);
        if (first) throw error;
        this.fail(error);
      }
    } catch (error) {
      if (error instanceof SessionLostError) return this.fail(error);
      const lost = error instanceof OwnershipLostError ? error : new OwnershipLostError(this.what, `${this.path} was deleted`);
      if (first) throw lost;
      // Timeouts while suspended are not proof of loss: the reconnect (or the loss) will tell.
      if (error instanceof Error && error.name === 'ZkTimeoutError') return;
      this.fail(lost);
    }
  }

  stop(): void {
    this.stopped = true;
    this.client.off('state', this.onState);
  }

  /** Stops watching and deletes the node if it is still ours. */
  async release(): Promise<void> {
    this.stop();
    await removeIfOwned(this.client, this.path);
  }
}

/**
 * Deletes an ephemeral node only if our session owns it: releasing must never delete a node another
 * instance took over. Best effort: while disconnected, closing the session releases it instead.
 */
export async function removeIfOwned(client: ZkClient, path: string): Promise<void> {
  if (client.state !== 'connected') return;
  const stat = await client.exists(path).catch(() => null);
  if (stat && stat.ephemeralOwner === client.sessionId) await client.remove(path, stat.version).catch(() => undefined);
}
