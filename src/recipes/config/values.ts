import { createOwnedEphemeral } from '../ownership.js';
import { NoNodeError, NodeExistsError, parentOf, type Stat, type ZkClient } from '../../zk/index.js';
import type { Acl } from '../../zk/acl.js';

export interface WriteResult {
  stat: Stat;
  created: boolean;
}

/**
 * Writes a value, creating the node when absent (`createParents`: its missing ancestors too).
 * With `version` it is a compare-and-set on an existing node: BadVersionError on mismatch, NoNodeError when
 * absent (a CAS on nothing cannot succeed).
 */
export async function writeValue(
  client: ZkClient,
  path: string,
  value: Buffer,
  options: { version?: number; createParents?: boolean; acl?: readonly Acl[] | undefined; parentAcl?: readonly Acl[] | undefined } = {},
): Promise<WriteResult> {
  if (options.version !== undefined) return { stat: await client.setData(path, value, options.version), created: false };
  for (;;) {
    try {
      return { stat: await client.setData(path, value), created: false };
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
    }
    try {
      if (options.createParents) await client.mkdirp(parentOf(path), Buffer.alloc(0), options.parentAcl);
      await client.create(path, value, 'persistent', options.acl);
      const created = await client.exists(path);
      if (created) return { stat: created, created: true };
    } catch (error) {
      // Someone else created it between our set and our create: set it again.
      if (!(error instanceof NodeExistsError)) throw error;
    }
  }
}

/**
 * Creates `path` as an ephemeral node holding `value`: it lives exactly as long as this client's session.
 * HeldByOtherError (a NodeExistsError) when another session holds it.
 */
export async function createEphemeral(
  client: ZkClient,
  path: string,
  value: Buffer,
  options: { createParents?: boolean; acl?: readonly Acl[] | undefined; parentAcl?: readonly Acl[] | undefined } = {},
): Promise<Stat> {
  if (options.createParents) await client.mkdirp(parentOf(path), Buffer.alloc(0), options.parentAcl);
  return createOwnedEphemeral(client, path, value, options.acl);
}

/** Deletes a node (with its subtree when `recursive`); returns how many nodes were deleted. */
export async function removeNode(
  client: ZkClient,
  path: string,
  options: { recursive?: boolean; version?: number } = {},
): Promise<number> {
  const version = options.version ?? -1;
  if (options.recursive) return client.removeTree(path, version);
  await client.remove(path, version);
  return 1;
}
