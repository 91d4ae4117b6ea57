import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { NodeExistsError } from '../../src/zk/index.js';
import { closeClients, newClient, uniquePath } from '../harness/zk.js';

const exec = promisify(execFile);
afterEach(closeClients);

/** The server's own account of what it applied: its transaction log, printed by ZooKeeper's TxnLogToolkit. */
async function transactionLog(): Promise<string> {
  const dir = join(inject('zkBaseDir'), 'server-1', 'data', 'version-2');
  const logs = readdirSync(dir).filter((f) => f.startsWith('log.'));
  let text = '';
  for (const log of logs) {
    const { stdout } = await exec('java', ['-cp', '/usr/share/java/*', 'org.apache.zookeeper.server.persistence.TxnLogToolkit', join(dir, log)], {
      timeout: 30_000,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'latin1',
    });
    text += stdout;
  }
  return text;
}

describe('createContainer', () => {
  it('sends CREATE_CONTAINER: the server logs a createContainer transaction, not a plain create', async () => {
    const c = await newClient();
    const path = uniquePath('container');
    expect(await c.createContainer(path, Buffer.from('c'))).toBe(path);
    await expect(c.createContainer(path)).rejects.toBeInstanceOf(NodeExistsError);
    expect((await c.getData(path)).data.toString()).toBe('c');
    // Still on the same connection: the Create2Response was framed and skipped correctly.
    await c.create(`${path}/child`);
    expect(await transactionLog()).toMatch(new RegExp(`createContainer ${path},`));
  });
});
