/**
 * SYNC (opcode 9), which node-zookeeper-client 1.1.3 defines but never sends (alexguan/node-zookeeper-client
 * PR #32, open since 2016). `sync path` makes the server we are connected to catch up with the leader before it
 * answers, so a read sent after it sees every write committed before the sync was issued, whichever server made
 * it (ZooKeeper's guarantees: reads are otherwise only sequentially consistent per client).
 *
 * SyncRequest is `{ustring path}`, exactly the layout of GetACLRequest, so the payload is the library's
 * generated class (which applies the chroot like every other request). The SyncResponse is the path again,
 * which we do not need: the reply decodes as DELETE's, which has no payload (raw-request.ts).
 */
import type { LibCallback, LibClient } from './library.js';
import { OpCode, jute, queueRaw } from './raw-request.js';

/** Queues a SYNC of `path`; `callback` gets (error) or (null). */
export function issueSync(lib: LibClient, path: string, callback: LibCallback): void {
  const payload = new (jute().protocol).GetACLRequest();
  payload.path = path;
  queueRaw(lib, OpCode.SYNC, OpCode.DELETE, payload, (error) => callback(error ?? null));
}
