import { execFile } from 'node:child_process';

/**
 * Runs a few lines of Python against ZooKeeper with kazoo (python3-kazoo), an independent client: `zk` is a
 * started KazooClient (digest-authenticated as `auth` when given), `attempt(fn)` returns "ok" or the
 * exception's class name, and the script leaves its answer in `result` (printed as JSON).
 */
export function kazoo(server: string, body: string, auth?: string): Promise<Record<string, unknown>> {
  const script = `
import json, sys
from kazoo.client import KazooClient
from kazoo.security import make_digest_acl, make_digest_acl_credential
auth = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
zk = KazooClient(hosts=sys.argv[1], auth_data=[("digest", auth)] if auth else None, timeout=10)
zk.start(timeout=15)
def attempt(fn):
    try:
        fn()
        return "ok"
    except Exception as e:
        return type(e).__name__
result = {}
${body}
zk.stop()
zk.close()
print(json.dumps(result))
`;
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', ['-c', script, server, auth ?? ''], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kazoo failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>);
    });
  });
}
