import {
  BadVersionError,
  MultiOpError,
  NoNodeError,
  NodeExistsError,
  NotEmptyError,
  multi,
  multiRequestBytes,
  packTransactions,
  parentOf,
  type MultiOp,
  type Stat,
  type ZkClient,
} from '../../zk/index.js';
import { walkTree, type TreeNode } from './document.js';
import { ImportConflictError } from './errors.js';
import { depthBelow, readSubtree } from './snapshot.js';

/** One change an import makes. */
export type ImportStep =
  | { action: 'create'; path: string; value: Buffer }
  | { action: 'update'; path: string; value: Buffer; previous: Buffer; version: number }
  | { action: 'delete'; path: string; version: number };

export interface ImportPlan {
  root: string;
  /** The changes, in the order the transaction applies them. */
  steps: ImportStep[];
  /** The transaction: every change, each conditional on the version read, plus a check of every node read and left as is. */
  ops: MultiOp[];
  /** Nodes read whose value already matches: they get a version check only. */
  unchanged: number;
  /** With prune: ephemeral nodes not in the document, left alone (they belong to live sessions), with their ancestors. */
  kept: string[];
  /** The size of the transaction's request. */
  requestBytes: number;
}

export interface ImportOptions {
  /** Also delete the nodes under the root that the document does not name (ephemeral ones excepted). */
  prune?: boolean;
}

interface ReadNode {
  data: Buffer;
  stat: Stat;
}

/**
 * Reads what the import depends on and plans it. Without `prune` that is the nodes the document names; with
 * `prune`, the whole subtree under `root`. Every node read gets a version condition in the transaction: a
 * conditional setData or delete when it changes, a check when it does not, so the transaction fails whole
 * if any of them changed after this read. (A check covers a node's value, not its list of children: a child
 * created meanwhile under a node the import keeps goes unnoticed, unless --prune then has to delete its
 * parent, which fails NOT_EMPTY.) Missing ancestors of `root` are created, empty.
 */
export async function planImport(client: ZkClient, root: string, tree: TreeNode, options: ImportOptions = {}): Promise<ImportPlan> {
  const documentNodes = [...walkTree(tree, root)];
  const read = new Map<string, ReadNode>();
  let subtree: Awaited<ReturnType<typeof readSubtree>> = null;
  if (options.prune) {
    subtree = await readSubtree(client, root, { includeEphemeral: true });
    for (const [path, node] of subtree ?? []) read.set(path, node);
  } else {
    const found = await Promise.all(
      documentNodes.map(({ path }) =>
        client.getData(path).catch((error: unknown) => {
          if (error instanceof NoNodeError) return undefined;
          throw error;
        }),
      ),
    );
    documentNodes.forEach(({ path }, i) => {
      const node = found[i];
      if (node) read.set(path, node);
    });
  }

  const steps: ImportStep[] = [];
  const ops: MultiOp[] = [];
  let unchanged = 0;
  if (!read.has(root)) {
    // Create the missing ancestors, top down (their existence was checked now, not versioned: a concurrent
    // create of one of them makes the transaction fail NODE_EXISTS, which is a conflict like any other).
    const missing: string[] = [];
    for (let p = parentOf(root); p !== '/' && !(await client.exists(p)); p = parentOf(p)) missing.unshift(p);
    for (const path of missing) {
      steps.push({ action: 'create', path, value: Buffer.alloc(0) });
      ops.push({ type: 'create', path, data: Buffer.alloc(0) });
    }
  }
  const named = new Set<string>();
  for (const { path, node } of documentNodes) {
    named.add(path);
    const current = read.get(path);
    if (!current) {
      steps.push({ action: 'create', path, value: node.value });
      ops.push({ type: 'create', path, data: node.value });
    } else if (!current.data.equals(node.value)) {
      steps.push({ action: 'update', path, value: node.value, previous: current.data, version: current.stat.version });
      ops.push({ type: 'setData', path, data: node.value, version: current.stat.version });
    } else {
      unchanged += 1;
      ops.push({ type: 'check', path, version: current.stat.version });
    }
  }

  const kept: string[] = [];
  if (subtree) {
    const keep = new Set<string>();
    for (const [path, node] of subtree) {
      if (named.has(path) || node.stat.ephemeralOwner === 0n) continue;
      for (let p = path; p !== root && !keep.has(p); p = parentOf(p)) keep.add(p);
    }
    const doomed = [...subtree.values()].filter((n) => !named.has(n.path) && !keep.has(n.path));
    doomed.sort((a, b) => depthBelow(root, b.path) - depthBelow(root, a.path) || (a.path < b.path ? -1 : 1));
    for (const node of doomed) {
      steps.push({ action: 'delete', path: node.path, version: node.stat.version });
      ops.push({ type: 'delete', path: node.path, version: node.stat.version });
    }
    for (const path of [...keep].sort()) {
      kept.push(path);
      const node = subtree.get(path);
      if (node && node.stat.ephemeralOwner === 0n) ops.push({ type: 'check', path, version: node.stat.version });
    }
  }
  return { root, steps, ops, unchanged, kept, requestBytes: multiRequestBytes(ops, client.connection.chroot) };
}

export interface ApplyOptions {
  /** Above one request's size, split into several transactions, each atomic on its own, instead of refusing. */
  nonAtomic?: boolean;
  /** The request size limit (the server's jute.maxbuffer). */
  maxRequestBytes?: number;
}

/** A failure of one of the import's version conditions: another writer. */
function isConflict(error: MultiOpError): boolean {
  const f = error.failure;
  return f instanceof BadVersionError || f instanceof NoNodeError || f instanceof NodeExistsError || f instanceof NotEmptyError;
}

/**
 * Commits a plan: one transaction (TransactionTooLargeError, nothing sent, when it is over the limit and
 * `nonAtomic` is not set), or with `nonAtomic` as many as it takes, in order. ImportConflictError when a
 * version condition fails (nothing of that transaction applied). Resolves with the number of transactions.
 */
export async function applyImport(client: ZkClient, plan: ImportPlan, options: ApplyOptions = {}): Promise<{ transactions: number }> {
  const limit = options.maxRequestBytes ?? client.maxRequestBytes;
  const batches = options.nonAtomic ? packTransactions(plan.ops, limit, client.connection.chroot) : [plan.ops];
  for (const [i, batch] of batches.entries()) {
    try {
      await multi(client, batch, { maxRequestBytes: limit });
    } catch (error) {
      if (error instanceof MultiOpError && isConflict(error)) throw new ImportConflictError(error.op.path, error.failure.message, i, batches.length);
      throw error;
    }
  }
  return { transactions: batches.length };
}
