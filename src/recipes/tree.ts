import { NoNodeError, joinPath, type Stat, type ZkClient } from '../zk/index.js';

/** One node of a listing. `stat` is undefined when the node vanished between listing and reading it. */
export interface TreeEntry {
  path: string;
  name: string;
  depth: number;
  stat: Stat | undefined;
  data?: Buffer;
}

/**
 * The children of `path` (or its whole subtree with `recursive`), sorted, each with its stat (to tell
 * ephemerals and their owners) and, with `withData`, its data. Requests for one level go out together.
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
          if (!(error instanceof NoNodeError)) throw error;
        }
        return entry;
      }),
    );
  };
  const walk = async (parent: string, depth: number): Promise<void> => {
    const entries = await visit(parent, depth);
    for (const entry of entries) {
      result.push(entry);
      if (options.recursive && entry.stat && entry.stat.numChildren > 0) await walk(entry.path, depth + 1);
    }
  };
  await walk(path, 0);
  return result;
}
