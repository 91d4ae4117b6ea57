import type { ZkClient } from './client.js';
import { NoAuthError, NoNodeError } from './errors.js';
import { joinPath } from './paths.js';
import type { Stat } from './stat.js';

/** The children of a node, none when it does not exist (a service nobody registered yet, a pool not made yet). */
export async function childrenOrNone(client: ZkClient, path: string): Promise<string[]> {
  try {
    return (await client.getChildren(path)).children;
  } catch (error) {
    if (error instanceof NoNodeError) return [];
    throw error;
  }
}

/** One node of a listing. `stat` is undefined when the node vanished between listing and reading it. */
export interface TreeEntry {
  path: string;
  name: string;
  depth: number;
  stat: Stat | undefined;
  data?: Buffer;
  /**
   * Our credentials may not read it (its data with withData, its children when recursive): listed, marked,
   * and not descended into. The caller decides what that means for its exit code.
   */
  unreadable?: boolean;
}

/**
 * The children of `path` (or its whole subtree with `recursive`), sorted, each with its stat (to tell
 * ephemerals and their owners) and, with `withData`, its data. Requests for one level go out together.
 * A node our ACL may not read is kept in the list, marked `unreadable` (as `find` goes on past a directory it
 * may not open); only `path` itself unreadable is an error (NoAuthError).
 */
export async function listNodes(
  client: ZkClient,
  path: string,
  options: { recursive: boolean; withData: boolean },
): Promise<TreeEntry[]> {
  const result: TreeEntry[] = [];
  const visit = async (parent: string, depth: number): Promise<TreeEntry[]> => {
    let children: string[];
    try {
      children = (await client.getChildren(parent)).children;
    } catch (error) {
      if (error instanceof NoNodeError && parent !== path) return [];
      throw error;
    }
    return Promise.all(
      children.map(async (name) => {
        const child = joinPath(parent, name);
        const entry: TreeEntry = { path: child, name, depth, stat: undefined };
        try {
          if (options.withData) {
            const { data, stat } = await client.getData(child);
            entry.stat = stat;
            entry.data = data;
          } else {
            entry.stat = (await client.exists(child)) ?? undefined;
          }
        } catch (error) {
          if (!(error instanceof NoAuthError) && !(error instanceof NoNodeError)) throw error;
          if (error instanceof NoAuthError) {
            entry.unreadable = true;
            // exists needs no permission: the stat still tells ephemerals and their owners.
            entry.stat = (await client.exists(child)) ?? undefined;
          }
        }
        return entry;
      }),
    );
  };
  const walk = async (parent: string, depth: number): Promise<void> => {
    const entries = await visit(parent, depth);
    for (const entry of entries) {
      result.push(entry);
      if (!options.recursive || entry.unreadable || !entry.stat || entry.stat.numChildren === 0) continue;
      const at = result.length;
      try {
        await walk(entry.path, depth + 1);
      } catch (error) {
        if (!(error instanceof NoAuthError)) throw error;
        result.length = at;
        entry.unreadable = true;
      }
    }
  };
  await walk(path, 0);
  return result;
}
