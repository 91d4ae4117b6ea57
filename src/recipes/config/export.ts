import { NoNodeError, type ZkClient } from '../../zk/index.js';
import { toDocument, type DocumentNode, type ExportOptions } from './document.js';
import { readSubtree } from './snapshot.js';

export interface ExportResult {
  document: DocumentNode;
  /** Nodes whose binary value was left out (`binary: 'skip'`). */
  skipped: string[];
  /** How many nodes were read. */
  nodes: number;
}

/**
 * The subtree under `root` as one document (format: document.ts). Ephemeral nodes are left out unless
 * `includeEphemeral` (they then appear as ordinary values: an import would create them persistent).
 * NoNodeError when `root` does not exist. Not a point-in-time snapshot: each node is read on its own.
 */
export async function exportTree(client: ZkClient, root: string, options: ExportOptions & { includeEphemeral?: boolean } = {}): Promise<ExportResult> {
  const snapshot = await readSubtree(client, root, { includeEphemeral: options.includeEphemeral === true });
  if (!snapshot) throw new NoNodeError(root);
  const { document, skipped } = toDocument(snapshot, root, options);
  return { document, skipped, nodes: snapshot.size };
}
