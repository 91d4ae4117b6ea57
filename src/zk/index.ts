export { ZkClient } from './client.js';
export type { ConnectionState, CreateMode, StateChangeEvent, WatchEvent, WatchEventType, Watcher, ZkClientOptions } from './client.js';
export * from './errors.js';
export { parseConnectionString, InvalidConnectionStringError, type ConnectionString, type ServerAddress } from './connection-string.js';
export { validatePath, joinPath, parentOf, baseName } from './paths.js';
export { hex, type Stat } from './stat.js';
