/**
 * create and setData for values over 1 MiB, for servers started with a larger jute.maxbuffer.
 *
 * node-zookeeper-client 1.1.3 asserts `data.length <= 1048576` in create and setData (its DATA_SIZE_LIMIT,
 * index.js), whatever the server accepts. Above that, the same records its own methods build (CreateRequest,
 * SetDataRequest) are queued here directly, as its methods do (with retries 0 its `attempt` wrapper is one
 * plain queue call). Below it, the library's own methods are used: nothing changes for ordinary values.
 */
import { loadJute, type LibAcl, type LibCallback, type LibClient } from './library.js';

/** The library's own cap on one value (index.js DATA_SIZE_LIMIT). */
export const LIBRARY_VALUE_LIMIT = 1048576;

interface WriteRecords {
  Request: new (header: unknown, payload: unknown) => unknown;
  OP_CODES: { CREATE: number; SET_DATA: number };
  protocol: {
    RequestHeader: new () => { type: number };
    CreateRequest: new () => { path: string; data: Buffer; acl: unknown[]; flags: number };
    SetDataRequest: new () => { path: string; data: Buffer; version: number };
  };
}

const records = (): WriteRecords => loadJute() as unknown as WriteRecords;

export function issueLargeCreate(lib: LibClient, path: string, data: Buffer, acl: LibAcl[], mode: number, callback: LibCallback): void {
  const jute = records();
  const header = new jute.protocol.RequestHeader();
  header.type = jute.OP_CODES.CREATE;
  const payload = new jute.protocol.CreateRequest();
  payload.path = path;
  payload.data = data;
  payload.acl = acl.map((entry) => (entry as unknown as { toRecord(): unknown }).toRecord());
  payload.flags = mode;
  lib.connectionManager.queue(new jute.Request(header, payload), (error, response) =>
    error ? callback(error) : callback(null, (response?.payload as { path: string }).path),
  );
}

export function issueLargeSetData(lib: LibClient, path: string, data: Buffer, version: number, callback: LibCallback): void {
  const jute = records();
  const header = new jute.protocol.RequestHeader();
  header.type = jute.OP_CODES.SET_DATA;
  const payload = new jute.protocol.SetDataRequest();
  payload.path = path;
  payload.data = data;
  payload.version = version;
  lib.connectionManager.queue(new jute.Request(header, payload), (error, response) =>
    error ? callback(error) : callback(null, (response?.payload as { stat: unknown }).stat),
  );
}
