/**
 * Container nodes (zkCli `create -c`): CREATE_CONTAINER (opcode 19), which node-zookeeper-client 1.1.3 lacks.
 * Sending CreateMode 4 through its plain CREATE makes a plain persistent node instead (notes: "Raw mode 4 …
 * creates a plain persistent node"). A container is deleted by the server once its last child is gone.
 *
 * The request is a CreateRequest with flags CONTAINER; the reply is a Create2Response (path, stat), decoded
 * as CREATE's (path only): the stat that follows is skipped (raw-request.ts).
 */
import type { LibCallback, LibClient } from './library.js';
import { OpCode, jute, queueRaw } from './raw-request.js';

const CONTAINER_FLAGS = 4;

/** Queues the create; `callback` gets (error) or (null, the created path). */
export function issueCreateContainer(lib: LibClient, path: string, data: Buffer, acl: unknown[], callback: LibCallback): void {
  const payload = new (jute().protocol).CreateRequest();
  payload.path = path;
  payload.data = data;
  // The library's ACL objects turn themselves into records (as its own create does).
  payload.acl = acl.map((entry) => (entry as { toRecord(): unknown }).toRecord());
  payload.flags = CONTAINER_FLAGS;
  queueRaw(lib, OpCode.CREATE_CONTAINER, OpCode.CREATE, payload, (error, response) =>
    error ? callback(error) : callback(null, (response as { path: string }).path),
  );
}
