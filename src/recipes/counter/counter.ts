import { BadVersionError, NoNodeError, NodeExistsError, parentOf, type Stat, type ZkClient } from '../../zk/index.js';
import { StoppedError } from '../errors.js';
import { CounterVersionWrappedError, decodeCounter, encodeCounter, type CounterFormat } from './format.js';

export { COUNTER_FORMATS, CounterFormatError, CounterOverflowError, CounterVersionWrappedError, counterBounds, decodeCounter, encodeCounter, type CounterFormat } from './format.js';

/** What to do with the value: add a delta (incr is +1), or set it. */
export type CounterChange = { add: bigint } | { set: bigint };

export interface CounterValue {
  path: string;
  value: bigint;
  /** The node's stat after the read or the write; undefined when it does not exist (get of a missing counter). */
  stat: Stat | undefined;
}

export interface CounterUpdate extends CounterValue {
  previous: bigint;
  /** The node did not exist and this update created it (and its missing parents). */
  created: boolean;
  /** How many times another writer came first and the update was computed again. */
  conflicts: number;
}

/** The counter's value; a missing node reads as 0 (nothing is created). */
export async function readCounter(client: ZkClient, path: string, format: CounterFormat): Promise<CounterValue> {
  try {
    const { data, stat } = await client.getData(path);
    return { path, value: decodeCounter(path, data, format), stat };
  } catch (error) {
    if (error instanceof NoNodeError) return { path, value: 0n, stat: undefined };
    throw error;
  }
}

/**
 * Changes the counter by compare-and-set: read value and version, write the new value at that version, and on
 * a version conflict (another writer came first) read and compute again, so no update is ever lost. A missing
 * node starts at 0 and is created with its parents. A value that does not parse in `format`
 * (CounterFormatError) or a result outside its range (CounterOverflowError) writes nothing.
 *
 * A versioned write cut off by a connection loss may or may not have landed: it is never re-sent (that could
 * count twice); the ConnectionLossError reaches the caller.
 */
export async function updateCounter(
  client: ZkClient,
  path: string,
  change: CounterChange,
  format: CounterFormat,
  options: { signal?: AbortSignal; onConflict?: (conflicts: number) => void } = {},
): Promise<CounterUpdate> {
  const next = (previous: bigint): bigint => ('add' in change ? previous + change.add : change.set);
  let conflicts = 0;
  const conflict = (): void => {
    conflicts += 1;
    options.onConflict?.(conflicts);
  };
  for (;;) {
    if (options.signal?.aborted) throw new StoppedError(options.signal.reason);
    let current: { data: Buffer; stat: Stat } | undefined;
    try {
      current = await client.getData(path);
    } catch (error) {
      if (!(error instanceof NoNodeError)) throw error;
    }
    if (current) {
      const previous = decodeCounter(path, current.data, format);
      const value = next(previous);
      const data = encodeCounter(path, value, format);
      if (current.stat.version < 0) throw new CounterVersionWrappedError(path);
      try {
        const stat = await client.setData(path, data, current.stat.version);
        return { path, value, previous, stat, created: false, conflicts };
      } catch (error) {
        if (!(error instanceof BadVersionError) && !(error instanceof NoNodeError)) throw error;
        conflict();
        continue;
      }
    }
    const value = next(0n);
    const data = encodeCounter(path, value, format);
    try {
      await client.mkdirp(parentOf(path));
      await client.create(path, data, 'persistent');
    } catch (error) {
      // Another writer created it first (or removed a parent meanwhile): read and compute again.
      if (!(error instanceof NodeExistsError) && !(error instanceof NoNodeError)) throw error;
      conflict();
      continue;
    }
    // Ours landed; the stat is for the output only (undefined if the node went at once).
    const stat = (await client.exists(path)) ?? undefined;
    return { path, value, previous: 0n, stat, created: true, conflicts };
  }
}
