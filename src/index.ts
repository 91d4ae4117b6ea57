/**
 * zk-coord as a library: the connection layer and the recipes. Importing it has no side effects; nothing
 * here prints or exits. The underlying client library's own types never appear in this API.
 */
export * from './zk/index.js';
export { claimLowestFreeId, heldIds, lowestFreeId, type ClaimOptions, type ClaimedId, type ClaimEvent } from './recipes/claim.js';
export {
  SequentialContender,
  sortContenders,
  predecessorOf,
  type ContenderNode,
  type ContenderOptions,
  type Turn,
  type WaitingInfo,
} from './recipes/contenders.js';
export { LeaderObserver, type LeaderView } from './recipes/election.js';
export { DataWatch, type DataEvent } from './recipes/data-watch.js';
export { ChildrenWatch, type ChildrenEvent } from './recipes/children-watch.js';
export { HeldNode, HeldByOtherError, createOwnedEphemeral, tryCreateEphemeral, removeIfOwned, type EphemeralCreate } from './recipes/ownership.js';
export { writeValue, createEphemeral, removeNode, type WriteResult } from './recipes/config.js';
export { listNodes, type TreeEntry } from './recipes/tree.js';
export { Wakeup } from './recipes/wakeup.js';
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
