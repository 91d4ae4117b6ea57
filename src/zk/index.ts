export { ZkClient } from './client.js';
export type { ConnectionState, CreateMode, StateChangeEvent, WatchEvent, WatchEventType, Watcher, ZkClientOptions } from './client.js';
export * from './errors.js';
export { parseConnectionString, InvalidConnectionStringError, type ConnectionString, type ServerAddress } from './connection-string.js';
export { validatePath, joinPath, parentOf, baseName } from './paths.js';
export { hex, type Stat } from './stat.js';
export { childrenOrNone, listNodes, type TreeEntry } from './tree.js';
export { probeServers, type ServerReport } from './ensemble-status.js';
export {
  parseAcl,
  parseAclList,
  parseHolderAcl,
  formatAcl,
  formatAclZkCli,
  digestId,
  redactAcl,
  CREATOR_ACL,
  CREATOR_PARENT_ACL,
  OPEN_ACL,
  type Acl,
  type HolderAcl,
} from './acl.js';
export { TlsConfigError, TlsHandshakeError, type TlsOptions } from './tls-options.js';
export {
  multi,
  multiRequestBytes,
  packTransactions,
  MultiOpError,
  TransactionTooLargeError,
  DEFAULT_MAX_REQUEST_BYTES,
  type MultiOp,
  type MultiResult,
  type MultiOptions,
} from './multi.js';
export {
  RequestTooLargeError,
  RequestDroppedError,
  MIN_MAX_REQUEST_BYTES,
  MAX_MAX_REQUEST_BYTES,
  createRequestBytes,
  setDataRequestBytes,
  serverPath,
} from './request-size.js';
export { CLIENT_LIBRARY } from './client-library.js';
