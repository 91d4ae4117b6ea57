/**
 * ZooKeeper's MULTI request (opcode 14): several operations applied atomically, all or none.
 *
 * node-zookeeper-client's Transaction builder turns version 0 into -1 (`version = version || -1`, issue #67),
 * so a compare-and-set against a freshly created node silently becomes unconditional. We never use it: the
 * request is built here from the library's protocol records (lib/jute's TransactionRequest writes each
 * version exactly as given) and sent through ZkClient's own request path, with its deadline, its wait for a
 * connection and its typed errors. Like every conditional write it is never re-sent after a connection loss.
 */
import { RAW_MODES, type CreateMode, type ZkClient } from './client.js';
import { BadArgumentsError, ZkError, errorForCode } from './errors.js';
import { loadJute, loadLibrary, type LibMultiResult, type LibRequest, type LibStat } from './library.js';
import { validatePath } from './paths.js';
import { DEFAULT_MAX_REQUEST_BYTES, RequestTooLargeError } from './request-size.js';
import { toStat, type Stat } from './stat.js';
import { createMode, quoteData } from './trace.js';

/** One operation of a transaction. `version` -1 (the default for setData/delete) means any version. */
export type MultiOp =
  | { type: 'create'; path: string; data?: Buffer; mode?: CreateMode }
  | { type: 'setData'; path: string; data: Buffer; version?: number }
  | { type: 'delete'; path: string; version?: number }
  | { type: 'check'; path: string; version: number };

/** What one operation of a committed transaction returned, in the order of the operations. */
export type MultiResult =
  | { type: 'create'; path: string; /** With the sequence suffix for sequential modes. */ created: string }
  | { type: 'setData'; path: string; stat: Stat }
  | { type: 'delete'; path: string }
  | { type: 'check'; path: string };

export { DEFAULT_MAX_REQUEST_BYTES };

/** The transaction was refused: nothing was applied. `index` is the operation the server failed first. */
export class MultiOpError extends ZkError {
  override name = 'MultiOpError';
  constructor(
    readonly index: number,
    readonly op: MultiOp,
    /** The typed error of the failed operation (BadVersionError, NoNodeError, NodeExistsError…). */
    readonly failure: ZkError,
    /** The server's code for every operation: 0 before the failure, its code, -2 (not tried) after. */
    readonly codes: readonly number[],
  ) {
    super(`transaction not applied: operation ${index + 1} of ${codes.length} (${op.type} ${op.path}) failed: ${failure.message}`, op.path, failure.serverCode);
  }
}

/** The transaction would exceed what one request may carry; nothing was sent. */
export class TransactionTooLargeError extends RequestTooLargeError {
  override name = 'TransactionTooLargeError';
  constructor(
    bytes: number,
    limit: number,
    readonly ops: number,
  ) {
    super(`transaction of ${ops} operations is ${bytes} bytes, over the ${limit}-byte limit of one ZooKeeper request (jute.maxbuffer)`, bytes, limit);
  }
}

export interface MultiOptions {
  /** Refuse (TransactionTooLargeError) above this request size. Default: the client's maxRequestBytes. */
  maxRequestBytes?: number;
}

function checkOp(op: MultiOp, limit: number): void {
  const problem = validatePath(op.path);
  if (problem) throw new BadArgumentsError(`invalid path "${op.path}": ${problem}`, op.path);
  if ('version' in op && op.version !== undefined) {
    if (!Number.isInteger(op.version) || op.version < -1 || op.version > 2 ** 31 - 1) {
      throw new BadArgumentsError(`invalid version ${op.version} for ${op.path}`, op.path);
    }
  }
  if ((op.type === 'create' || op.type === 'setData') && op.data && op.data.length > limit) {
    throw new RequestTooLargeError(`value of ${op.path} is ${op.data.length} bytes, over the ${limit}-byte limit of one ZooKeeper request (jute.maxbuffer)`, op.data.length, limit, op.path);
  }
}

function libOp(op: MultiOp): Record<string, unknown> {
  const codes = loadJute().OP_CODES;
  switch (op.type) {
    case 'create':
      return { type: codes.CREATE, path: op.path, data: op.data ?? Buffer.alloc(0), acls: loadLibrary().ACL.OPEN_ACL_UNSAFE, mode: RAW_MODES[op.mode ?? 'persistent'] };
    case 'setData':
      return { type: codes.SET_DATA, path: op.path, data: op.data, version: op.version ?? -1 };
    case 'delete':
      return { type: codes.DELETE, path: op.path, version: op.version ?? -1 };
    case 'check':
      return { type: codes.CHECK, path: op.path, version: op.version };
  }
}

function buildRequest(ops: readonly MultiOp[], chroot?: string): { request: LibRequest; bytes: number } {
  const jute = loadJute();
  const header = new jute.protocol.RequestHeader();
  header.type = jute.OP_CODES.MULTI;
  const payload = new jute.TransactionRequest(ops.map(libOp));
  // The server sees every path under the chroot (the library prepends it when queueing).
  if (chroot) payload.setChrootPath(chroot);
  return { request: new jute.Request(header, payload), bytes: header.byteLength() + payload.byteLength() };
}

/** The size of the request these operations make (what the server compares with jute.maxbuffer). */
export function multiRequestBytes(ops: readonly MultiOp[], chroot?: string): number {
  return buildRequest(ops, chroot).bytes;
}

/**
 * Splits operations, in order, into consecutive transactions of at most `limit` bytes each (for callers that
 * accept giving up atomicity across them). An operation too large on its own gets a transaction of its own.
 * `sizes`, when the caller has them, are multiRequestBytes([op], chroot) of each op (building a request per op is
 * most of the cost for thousands of small ops).
 */
export function packTransactions(ops: readonly MultiOp[], limit = DEFAULT_MAX_REQUEST_BYTES, chroot?: string, sizes?: readonly number[]): MultiOp[][] {
  // The request's fixed part: header and the closing MultiHeader; each op adds its header and record.
  const empty = multiRequestBytes([], chroot);
  const batches: MultiOp[][] = [];
  let current: MultiOp[] = [];
  let size = empty;
  for (const [index, op] of ops.entries()) {
    const opBytes = (sizes?.[index] ?? multiRequestBytes([op], chroot)) - empty;
    if (current.length > 0 && size + opBytes > limit) {
      batches.push(current);
      current = [];
      size = empty;
    }
    current.push(op);
    size += opBytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function traceOp(op: MultiOp): string {
  switch (op.type) {
    case 'create': {
      const mode = op.mode ?? 'persistent';
      return `create ${createMode(mode.startsWith('ephemeral'), mode.endsWith('sequential'))}${op.path} ${quoteData(op.data ?? Buffer.alloc(0))}`;
    }
    case 'setData':
      return `set ${(op.version ?? -1) >= 0 ? `-v ${op.version} ` : ''}${op.path} ${quoteData(op.data)}`;
    case 'delete':
      return `delete ${(op.version ?? -1) >= 0 ? `-v ${op.version} ` : ''}${op.path}`;
    case 'check':
      return `check -v ${op.version} ${op.path}`;
  }
}

function traceMulti(ops: readonly MultiOp[]): string {
  const shown = ops.slice(0, 5).map(traceOp).join('; ');
  return `multi (${ops.length} ops) ${shown}${ops.length > 5 ? `; … ${ops.length - 5} more` : ''}`;
}

function toResults(ops: readonly MultiOp[], raw: readonly LibMultiResult[], errorCode: number): MultiResult[] {
  const errorType = loadJute().OP_CODES.ERROR;
  const codes = ops.map((_, i) => (raw[i]?.type === errorType ? (raw[i]?.err ?? 0) : 0));
  const failed = codes.findIndex((code) => code !== 0 && code !== -2);
  if (failed >= 0 || raw.some((r) => r.type === errorType) || errorCode !== 0) {
    // The server marks operations after the failed one RUNTIME_INCONSISTENCY (-2): report the real cause.
    const index = failed >= 0 ? failed : Math.max(0, codes.findIndex((code) => code !== 0));
    const code = codes[index] || errorCode || -2;
    const op = ops[index] as MultiOp;
    throw new MultiOpError(index, op, errorForCode(code, op.path), codes);
  }
  if (raw.length !== ops.length) throw new ZkError(`transaction reply has ${raw.length} results for ${ops.length} operations`);
  return ops.map((op, i): MultiResult => {
    const r = raw[i] as LibMultiResult;
    switch (op.type) {
      case 'create':
        return { type: 'create', path: op.path, created: r.path ?? op.path };
      case 'setData':
        return { type: 'setData', path: op.path, stat: toStat(r.stat as LibStat) };
      case 'delete':
        return { type: 'delete', path: op.path };
      case 'check':
        return { type: 'check', path: op.path };
    }
  });
}

/**
 * Applies `ops` atomically and resolves with one result per operation; or rejects, with nothing applied, with
 * MultiOpError (which operation failed, and its typed error), TransactionTooLargeError (nothing sent),
 * BadArgumentsError (invalid path or version, nothing sent), or a connection-layer error (ConnectionLossError:
 * it may or may not have been applied; SessionLostError; ZkTimeoutError).
 */
export async function multi(client: ZkClient, ops: readonly MultiOp[], options: MultiOptions = {}): Promise<MultiResult[]> {
  const limit = options.maxRequestBytes ?? client.maxRequestBytes;
  for (const op of ops) checkOp(op, limit);
  if (ops.length === 0) return [];
  const { request, bytes } = buildRequest(ops, client.connection.chroot);
  if (bytes > limit) throw new TransactionTooLargeError(bytes, limit, ops.length);
  return client.send(
    'multi',
    undefined,
    traceMulti(ops),
    client.requestDeadline(),
    (lib, callback) =>
      lib.connectionManager.queue(request, (error, response) => {
        if (error && response?.payload == null) {
          // A failed transaction normally comes back as per-operation error results; a bare error code
          // (no results) names no operation: attribute it to the first.
          if (error.code === -4) return callback(error);
          const op = ops[0] as MultiOp;
          return callback(null, new MultiOpError(0, op, errorForCode(error.code, op.path), ops.map(() => error.code)));
        }
        callback(null, (response?.payload as { results?: LibMultiResult[] } | null | undefined)?.results ?? []);
      }),
    ([results]) => {
      if (results instanceof MultiOpError) throw results;
      return toResults(ops, results as LibMultiResult[], 0);
    },
    bytes,
  );
}
