import { InvalidArgumentError } from 'commander';
import { formatDuration } from '../units.js';
import { MAX_MAX_REQUEST_BYTES, MIN_MAX_REQUEST_BYTES } from '../zk/request-size.js';
import { UsageError } from './exit-codes.js';

export { formatDuration };

/**
 * commander argument parsers: a bad value is a usage error (exit 2) with commander's own message, which names
 * the option ("option '--grace <duration>' argument '5x' is invalid. …").
 */

/** The largest delay a Node timer takes (2^31 − 1 ms, about 24.8 days): every duration is bounded by it. */
export const MAX_DURATION_MS = 2 ** 31 - 1;
const MAX_DURATION_TEXT = '24d';

/** The largest integer a JavaScript number holds exactly. */
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

function wholeNumber(value: string, min: number, max: number, what: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected ${what}`);
  const n = Number(value);
  if (n < min || n > max || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected ${what}`);
  return n;
}

export function parseNonNegativeInt(value: string): number {
  return wholeNumber(value, 0, MAX_EXACT, `a whole number from 0 to ${MAX_EXACT}`);
}

export function parsePositiveInt(value: string): number {
  return wholeNumber(value, 1, MAX_EXACT, `a whole number from 1 to ${MAX_EXACT}`);
}

/** A signed whole number of any size (counter deltas and values), exact as a bigint; the range is checked where it applies. */
export function parseBigInteger(value: string): bigint {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number such as 5 or -3');
  return BigInt(value.trim());
}

/** A queue priority as kazoo's LockingQueue takes it: 0 to 999, lower first. */
export function parsePriority(value: string): number {
  return wholeNumber(value, 0, 999, 'a priority from 0 to 999 (lower first)');
}

/** A znode version for compare-and-set: ZooKeeper's versions are signed 32-bit. */
export function parseZnodeVersion(value: string): number {
  return wholeNumber(value, 0, 2 ** 31 - 1, `a znode version from 0 to ${2 ** 31 - 1}`);
}

/** --max-request-bytes: the servers' jute.maxbuffer, which jute reads as a signed 32-bit length. */
export function parseMaxRequestBytes(value: string): number {
  return wholeNumber(value, MIN_MAX_REQUEST_BYTES, MAX_MAX_REQUEST_BYTES, `a number of bytes from ${MIN_MAX_REQUEST_BYTES} to ${MAX_MAX_REQUEST_BYTES}`);
}

/** server start --tick-time: up to an hour (sessions of 20 ticks stay inside a 32-bit millisecond count). */
/** server start --tick-time: a duration like every other (`500`, `500ms`, `2s`), bare in ms, at most 1 h. */
export function parseTickTime(value: string): number {
  const range = new InvalidArgumentError('expected a tickTime from 1ms to 1h (a bare number is in milliseconds)');
  let ms: number;
  try {
    ms = parseMs(value);
  } catch (error) {
    // A well-formed duration out of range gets the tickTime's range, not the general one.
    if (/^\d+(?:\.\d+)?(ms|s|m|h|d)?$/.test(value.trim())) throw range;
    throw error;
  }
  if (ms > 3_600_000) throw range;
  return ms;
}

/**
 * server start --ensemble: a loopback ensemble of up to 9 servers. An ensemble survives the failure of a minority: n servers tolerate (n − 1) / 2 down, so an even n tolerates
 * no more failures than n − 1 and only adds a server that can break the majority.
 */
export function parseEnsembleSize(value: string): number {
  const n = wholeNumber(value, 1, 9, 'a number of servers: 1 (standalone), or 3, 5, 7, 9');
  if (n % 2 === 0) {
    const tolerated = (n - 2) / 2;
    throw new InvalidArgumentError(
      `an ensemble of ${n} tolerates ${tolerated === 0 ? 'no failure' : `${tolerated} failure${tolerated === 1 ? '' : 's'}`}, no more than one of ${n - 1} (a majority of ${n} is ${n / 2 + 1}): use ${n - 1} or ${n + 1}`,
    );
  }
  return n;
}

/** A TCP port. */
export function parsePort(value: string): number {
  return wholeNumber(value, 1, 65535, 'a port from 1 to 65535');
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type DurationUnit = keyof typeof UNIT_MS;

/**
 * A duration parser: `500ms`, `5s`, `1.5s`, `2m`, `1h`; a bare number is in `bareUnit` (what the option took
 * before units existed: seconds for --grace and the wait limits, milliseconds for --session-timeout). Returns
 * whole milliseconds within [minMs, MAX_DURATION_MS].
 */
export function durationParser(bareUnit: 's' | 'ms', minMs = 0): (value: string) => number {
  return (value: string) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
    const range = `from ${formatDuration(minMs)} to ${MAX_DURATION_TEXT}`;
    if (!match) throw new InvalidArgumentError(`expected a duration such as 500ms, 5s or 2m (a bare number is in ${bareUnit === 's' ? 'seconds' : 'milliseconds'}), ${range}`);
    const unit = (match[2] ?? bareUnit) as DurationUnit;
    const ms = Math.round(Number(match[1]) * UNIT_MS[unit]);
    if (!Number.isFinite(ms) || ms < minMs || ms > MAX_DURATION_MS) throw new InvalidArgumentError(`expected a duration ${range}`);
    return ms;
  };
}

/** Durations given in seconds when bare (`--grace 5`, `--timeout 0.5`). */
export const parseSeconds = durationParser('s');

/** Durations given in milliseconds when bare (`--session-timeout 4000`), at least 1 ms. */
export const parseMs = durationParser('ms', 1);

/**
 * --sync on reads (config get, config watch, ls, discover): ZooKeeper serves a read from the server we are
 * connected to, which may lag the leader; SYNC makes it catch up first.
 */
export const SYNC_HELP = "make the server catch up with the leader (ZooKeeper's sync) before reading";

/**
 * The node a command writes or holds must be one of the user's: not the root, and not ZooKeeper's own
 * `/zookeeper` subtree (quotas, the dynamic configuration), which `config rm` already refuses. `allowRoot`
 * for paths under which the command adds a name of its own (register's --base).
 */
export function checkTargetPath(path: string, what: string, allowRoot = false): void {
  if (path === '/zookeeper' || path.startsWith('/zookeeper/')) {
    throw new UsageError(`refusing to use ${path} as ${what}: /zookeeper is ZooKeeper's own subtree (quotas, configuration); choose a path of your own`);
  }
  if (path === '/' && !allowRoot) throw new UsageError(`refusing to use / as ${what}: give it a node of its own below /`);
}
