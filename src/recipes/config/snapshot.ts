import { NoNodeError, joinPath, type Stat, type ZkClient } from '../../zk/index.js';

/** One node of a subtree as read: its value, its stat (for version checks) and its children's names. */
export interface SnapshotNode {
  path: string;
  data: Buffer;
  stat: Stat;
  children: string[];
}

/** A subtree as read, keyed by full path, parents before children. Not atomic: each node is read on its own. */
export type Snapshot = Map<string, SnapshotNode>;

/** The depth of `path` below `root` (0 for the root itself). */
export function depthBelow(root: string, path: string): number {
  if (path === root) return 0;
  const rest = root === '/' ? path.slice(1) : path.slice(root.length + 1);
  return rest.split('/').length;
}

/**
 * Reads the subtree under `root` (itself included): data, stat and children of every node, one level's
 * requests sent together. Resolves null when `root` does not exist. ZooKeeper's own `/zookeeper` is left out
 * when reading `/`; ephemeral nodes are left out unless `includeEphemeral`. A node deleted while we read is
 * simply absent.
 */
export async function readSubtree(client: ZkClient, root: string, options: { includeEphemeral?: boolean } = {}): Promise<Snapshot | null> {
  const snapshot: Snapshot = new Map();
  let level = [root];
  while (level.length > 0) {
    const read = await Promise.all(
      level.map(async (path): Promise<SnapshotNode | undefined> => {
        try {
          const [{ data, stat }, { children }] = await Promise.all([client.getData(path), client.getChildren(path)]);
          return { path, data, stat, children: path === '/' ? children.filter((c) => c !== 'zookeeper') : children };
        } catch (error) {
          if (error instanceof NoNodeError) return undefined;
          throw error;
        }
      }),
    );
    const next: string[] = [];
    for (const node of read) {
      if (!node) continue;
      if (node.path !== root && node.stat.ephemeralOwner !== 0n && !options.includeEphemeral) continue;
      snapshot.set(node.path, node);
      for (const child of node.children) next.push(joinPath(node.path, child));
    }
    if (!snapshot.has(root)) return null;
    level = next;
  }
  // Children lists name only nodes we kept (vanished and excluded ephemeral ones are dropped).
  for (const node of snapshot.values()) node.children = node.children.filter((c) => snapshot.has(joinPath(node.path, c)));
  return snapshot;
}
