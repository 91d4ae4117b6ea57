/** Errors of the configuration-tree recipes (export, import, wait). */

/** A document given to import is not one `config export` could have written; nothing was changed. */
export class InvalidDocumentError extends Error {
  override name = 'InvalidDocumentError';
  constructor(
    message: string,
    /** Where in the document, as a znode path below the import root (or the document itself). */
    readonly at?: string,
  ) {
    super(at === undefined ? message : `${message} (at ${at})`);
  }
}

/**
 * The import's transaction was refused because a node changed, appeared or vanished after the import read
 * it (another writer got there first): nothing was applied.
 */
export class ImportConflictError extends Error {
  override name = 'ImportConflictError';
  constructor(
    readonly path: string,
    why: string,
    /** With --non-atomic: how many of the transactions had been applied before this one failed. */
    readonly appliedTransactions = 0,
    readonly totalTransactions = 1,
  ) {
    const applied =
      totalTransactions > 1
        ? `; ${appliedTransactions} of ${totalTransactions} transactions had been applied before it`
        : '; nothing was changed';
    super(`import conflict at ${path}: ${why} (another client changed the tree after it was read)${applied}`);
  }
}
