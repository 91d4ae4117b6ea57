/** Errors the recipes throw on top of the connection layer's. */
import { formatDuration } from '../units.js';

/** Waiting (for a free ID, a lock, a pool slot) took longer than allowed. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
  constructor(what: string, timeoutMs: number) {
    // Spelled as the options take it (`--timeout 2m` gives up "after 2m").
    super(`gave up waiting for ${what} after ${formatDuration(timeoutMs)}`);
  }
}

/** What was asked for is held by someone else and the caller chose not to wait. */
export class TakenError extends Error {
  override name = 'TakenError';
  constructor(what: string) {
    super(`${what} is taken`);
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

/**
 * The contenders on a path follow different libraries' conventions (or not the one asked for): each library
 * would order them its own way, and mutual exclusion would not hold. Nothing is created (or ours is removed).
 */
export class ConventionConflictError extends Error {
  override name = 'ConventionConflictError';
  constructor(path: string, why: string) {
    super(`${path}: ${why}`);
  }
}
