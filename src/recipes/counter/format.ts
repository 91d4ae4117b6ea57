/**
 * How a counter's value is stored, as the libraries store it (checked against their sources):
 * - `text`: decimal ASCII, kazoo `Counter`'s default (`repr(value).encode('ascii')`, kazoo/recipe/counter.py);
 *   readable in zkCli. zk-coord keeps it within the signed 64-bit range.
 * - `curator`: a 4-byte big-endian signed int: Curator `SharedCount` and `DistributedAtomicInteger`, and kazoo
 *   `Counter(support_curator=True)` (`struct.pack(">i", value)`).
 * - `curator-long`: an 8-byte big-endian signed long: Curator `DistributedAtomicLong`.
 * An empty node is 0 in every format, as kazoo reads it (`old != b''` else the default).
 */
export const COUNTER_FORMATS = ['text', 'curator', 'curator-long'] as const;
export type CounterFormat = (typeof COUNTER_FORMATS)[number];

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const INT32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n };

export function counterBounds(format: CounterFormat): { min: bigint; max: bigint } {
  return format === 'curator' ? INT32 : INT64;
}

/** The stored value does not parse in the chosen format; nothing was written. */
export class CounterFormatError extends Error {
  override name = 'CounterFormatError';
  constructor(
    readonly path: string,
    readonly format: CounterFormat,
    /** What the bytes look like instead (another format, a float, arbitrary data). */
    readonly looksLike: string,
  ) {
    super(`${path} is not a --format ${format} counter: ${looksLike}; nothing written`);
  }
}

/** The new value would leave the format's range; nothing was written. */
export class CounterOverflowError extends Error {
  override name = 'CounterOverflowError';
  constructor(path: string, format: CounterFormat, value: bigint) {
    const { min, max } = counterBounds(format);
    super(`${path}: ${value} is outside the --format ${format} range ${min}..${max}; nothing written`);
  }
}

/**
 * Once a node's version has wrapped to -1, a versioned setData is unconditional (ZooKeeper reads -1 as "any
 * version"): Curator's SharedCount then misbehaves (CURATOR-688, apache/curator #1203). We refuse instead of
 * writing without a compare-and-set.
 */
export class CounterVersionWrappedError extends Error {
  override name = 'CounterVersionWrappedError';
  constructor(path: string) {
    super(`${path} has been written 2^32 - 1 times: its version is -1, which ZooKeeper reads as "any version", so no compare-and-set is possible; nothing written`);
  }
}

const DECIMAL = /^-?\d+$/;

function preview(data: Buffer): string {
  const shown = data.subarray(0, 24);
  const printable = [...shown].every((b) => b >= 0x20 && b < 0x7f);
  const text = printable ? JSON.stringify(shown.toString('latin1')) : `0x${shown.toString('hex')}`;
  return `${text}${data.length > shown.length ? '…' : ''} (${data.length} bytes)`;
}

/** What `data` looks like, for a refusal's message: the format it would parse in, or what it is. */
function describe(data: Buffer): string {
  const text = data.toString('latin1');
  if (DECIMAL.test(text)) return `it looks like --format text (decimal ASCII ${text})`;
  if (/^-?(\d+\.\d*|\.\d+|\d+)(e[+-]?\d+)?$/i.test(text) || /^-?(inf|nan)$/i.test(text)) {
    return `it looks like a float ${text} (kazoo Counter with a float default); zk-coord counts whole numbers only`;
  }
  if (data.length === 4) return `it looks like --format curator (a 4-byte int, ${data.readInt32BE(0)})`;
  if (data.length === 8) return `it looks like --format curator-long (an 8-byte long, ${data.readBigInt64BE(0)})`;
  return `it holds ${preview(data)}`;
}

/** The value stored in `data`; CounterFormatError when it does not parse in `format`. */
export function decodeCounter(path: string, data: Buffer, format: CounterFormat): bigint {
  if (data.length === 0) return 0n;
  switch (format) {
    case 'text': {
      const text = data.toString('latin1');
      if (DECIMAL.test(text)) {
        const value = BigInt(text);
        if (value >= INT64.min && value <= INT64.max) return value;
        throw new CounterFormatError(path, format, `${text} is outside the signed 64-bit range`);
      }
      break;
    }
    case 'curator':
      if (data.length === 4) return BigInt(data.readInt32BE(0));
      break;
    case 'curator-long':
      if (data.length === 8) return data.readBigInt64BE(0);
      break;
  }
  throw new CounterFormatError(path, format, describe(data));
}

/** The bytes of `value` in `format`; CounterOverflowError outside its range. */
export function encodeCounter(path: string, value: bigint, format: CounterFormat): Buffer {
  const { min, max } = counterBounds(format);
  if (value < min || value > max) throw new CounterOverflowError(path, format, value);
  switch (format) {
    case 'text':
      return Buffer.from(value.toString(), 'latin1');
    case 'curator': {
      const data = Buffer.alloc(4);
      data.writeInt32BE(Number(value), 0);
      return data;
    }
    case 'curator-long': {
      const data = Buffer.alloc(8);
      data.writeBigInt64BE(value, 0);
      return data;
    }
  }
}
