import { NoNodeError, type Acl, type ZkClient } from '../zk/index.js';

/** More than this many parents deleted under one step is somebody deleting them, not a reaper: the NoNode stands. */
const PARENT_ATTEMPTS = 20;

/**
 * Makes `parent` (mkdir -p), then runs `step`; runs both again when `step` fails with NoNodeError. Curator makes
 * lock, election, semaphore and discovery parents as containers, which the server deletes once their last
 * child has gone — at any moment, so also between our mkdirp and our create (a `lock --compat curator` beside
 * Curator clients exited 5 for it in CI). Everything `step` read under the deleted parent is stale, so it runs
 * from its start. Curator does the same (creatingParentContainersIfNeeded retries the create on NoNode).
 */
export async function withParent<T>(client: ZkClient, parent: string, parentAcl: readonly Acl[] | undefined, step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      // Inside the retry too: an ancestor that is an empty container can go between mkdirp's own creates.
      await client.mkdirp(parent, Buffer.alloc(0), parentAcl);
      return await step();
    } catch (error) {
      if (!(error instanceof NoNodeError) || attempt >= PARENT_ATTEMPTS) throw error;
    }
  }
}
