/** The queue recipes' errors (kept apart so the exit-code table loads them without the recipes). */

/** No free entry (queue pop without --wait) or none left (queue work --until-empty, taken or not). */
export class QueueEmptyError extends Error {
  override name = 'QueueEmptyError';
  constructor(
    readonly queue: string,
    /** Entries there, each taken by a live consumer (pop without --wait): none is free, the queue is not empty. */
    readonly taken = 0,
  ) {
    super(taken > 0 ? `queue ${queue} has no free item: all ${taken} are taken by other workers` : `queue ${queue} is empty`);
  }
}

/** An item too large for one ZooKeeper request; nothing was written. */
export class ItemTooLargeError extends Error {
  override name = 'ItemTooLargeError';
  constructor(
    readonly index: number,
    readonly bytes: number,
    readonly requestBytes: number,
    readonly limit: number,
  ) {
    super(`item ${index + 1} is ${bytes} bytes: its create is a ${requestBytes}-byte request, over the ${limit}-byte limit of one ZooKeeper request (jute.maxbuffer); nothing pushed (for a server started with a larger -Djute.maxbuffer, pass the same number as --max-request-bytes <n>)`);
  }
}
