/**
 * zk-coord as a library: the connection layer and the recipes. Importing it has no side effects; nothing
 * here prints or exits. The underlying client library's own types never appear in this API.
 */
export * from './zk/index.js';
export { claimLowestFreeId, heldIds, lowestFreeId, type ClaimOptions, type ClaimedId, type ClaimEvent } from './recipes/claim/claim.js';
export {
  SequentialContender,
  sortContenders,
  predecessorOf,
  type ContenderNode,
  type ContenderOptions,
  type Turn,
  type WaitingInfo,
} from './recipes/contenders/contenders.js';
export { LeaderObserver, type LeaderView } from './recipes/contenders/election.js';
export { DataWatch, type DataEvent } from './recipes/watch/data-watch.js';
export { ChildrenWatch, type ChildrenEvent } from './recipes/watch/children-watch.js';
export { HeldNode, HeldByOtherError, createOwnedEphemeral, tryCreateEphemeral, removeIfOwned, type EphemeralCreate } from './recipes/ownership.js';
export { writeValue, createEphemeral, removeNode, type WriteResult } from './recipes/config/values.js';
export { listNodes, type TreeEntry } from './zk/tree.js';
export { Wakeup } from './recipes/wakeup.js';
export * from './hold/index.js';
export { SupervisedChild, HookRunner, describeCommand, type ChildCommand, type SuperviseOptions } from './process/child.js';
export * from './recipes/errors.js';
export { fourLetterWord, parseSrvr, type ServerInfo } from './zk/four-letter.js';
export {
  findInstallation,
  launchEnsemble,
  stopNodeAndWait,
  type LaunchOptions,
  type LaunchedEnsemble,
  type ZooKeeperInstallation,
} from './server/launcher.js';
export { TreeCache, type TreeEvent } from './recipes/config/tree-cache.js';
export { ConfigWait, type WaitCondition, type WaitOutcome } from './recipes/config/wait.js';
export { exportTree, type ExportResult } from './recipes/config/export.js';
export { planImport, applyImport, type ImportPlan, type ImportStep, type ImportOptions, type ApplyOptions } from './recipes/config/import.js';
export { parseDocument, fromJson, toDocument, type DocumentNode, type DocumentValue, type TreeNode, type ExportOptions } from './recipes/config/document.js';
export { readSubtree, type Snapshot, type SnapshotNode } from './recipes/config/snapshot.js';
export { InvalidDocumentError, ImportConflictError } from './recipes/config/errors.js';
export { buildInstance, parseInstance, parseUriSpec, endpointOf, defaultAddress, type ServiceInstance, type ServiceType, type ParsedInstance } from './recipes/discovery/service-instance.js';
export { registerInstance, instancePath, InstanceTakenError, type RegisterOptions } from './recipes/discovery/registration.js';
export { listInstances, listServices, pickRandom, usableInstances, NoInstanceError, type InstanceEntry } from './recipes/discovery/queries.js';
export { ServiceWatch, type ServiceEvent } from './recipes/discovery/service-watch.js';
export { readCounter, updateCounter, COUNTER_FORMATS, CounterFormatError, CounterOverflowError, CounterVersionWrappedError, decodeCounter, encodeCounter, type CounterFormat, type CounterChange, type CounterUpdate, type CounterValue } from './recipes/counter/counter.js';
export { pushItems, takeItem, consumeItem, releaseItem, popItem, listQueue, ensureQueue, QueueEmptyError, ItemTooLargeError, type TakenItem, type TakeOptions, type QueueEntry, type PushResult } from './recipes/queue/queue.js';
export { BarrierMember, type BarrierOpening, type MemberInfo, type EnterOptions } from './recipes/barrier/barrier.js';
