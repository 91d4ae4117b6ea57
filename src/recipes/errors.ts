/** Errors the recipes throw on top of the connection layer's. */

/** Waiting (for a free ID, a lock, a pool slot) took longer than allowed. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
  constructor(what: string, timeoutMs: number) {
    super(`gave up waiting for ${what} after ${timeoutMs} ms`);
  }
}

/** What was asked for is held by someone else and the caller chose not to wait. */
export class TakenError extends Error {
  override name = 'TakenError';
  constructor(
    what: string,
    readonly holder?: string,
  ) {
    super(`${what} is taken${holder ? ` (held by ${holder})` : ''}`);
  }
}

/** The node that proved our ownership is gone or belongs to another session: we no longer hold it. */
export class OwnershipLostError extends Error {
  override name = 'OwnershipLostError';
  constructor(what: string, why: string) {
    super(`no longer holding ${what}: ${why}`);
  }
}

/** A recipe was stopped (aborted, by SIGINT or SIGTERM in the CLI) before it finished. */
export class StoppedError extends Error {
  override name = 'StoppedError';
  constructor(
    /** What stopped it: the AbortSignal's reason, a signal name in the CLI. */
    readonly reason?: unknown,
  ) {
    super('stopped');
  }
}
