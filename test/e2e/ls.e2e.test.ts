import { afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../harness/cli.js';
import { closeClients, newClient, uniquePath } from '../harness/zk.js';

afterEach(closeClients);

describe('ls', () => {
  it('lists children sorted, marks ephemerals with their owner session, -R gives full paths, JSON is one object', async () => {
    const p = uniquePath('tree');
    const c = await newClient();
    await c.mkdirp(`${p}/b/deep`);
    await c.create(`${p}/a`, Buffer.from('x'), 'ephemeral');
    const plain = await runCli(['ls', p]);
    expect(plain.stdout.split('\n')).toEqual([`a  [ephemeral ${c.sessionIdHex}]`, 'b']);
    const tree = await runCli(['ls', p, '-R']);
    expect(tree.stdout.split('\n').map((l) => l.split('  ')[0])).toEqual([`${p}/a`, `${p}/b`, `${p}/b/deep`]);
    const json = JSON.parse((await runCli(['ls', p, '-o', 'json'])).stdout) as { children: { name: string; ephemeralOwner: string | null }[] };
    expect(json.children).toEqual([
      { path: `${p}/a`, name: 'a', ephemeralOwner: c.sessionIdHex },
      { path: `${p}/b`, name: 'b', ephemeralOwner: null },
    ]);
    expect((await runCli(['ls', `${p}/missing`])).code).toBe(5);
  });

  it('ends quietly when its reader goes away (| head): no EPIPE stack trace', async () => {
    const p = uniquePath('big');
    const c = await newClient();
    // Far more than a pipe holds (64 KiB): the writer must still be writing when the reader leaves.
    await c.create(p, Buffer.from(`first\n${'x'.repeat(900_000)}\n`));
    const run = spawnCli(['config', 'get', p]);
    await run.waitForLine(/^first$/);
    run.child.stdout!.destroy();
    await run.exited;
    expect(run.stderr.join('\n')).not.toMatch(/EPIPE|    at /);
  });

  it('-w prints each change of the children live, until SIGINT', async () => {
    const p = uniquePath('live');
    const c = await newClient();
    await c.create(p);
    const watch = spawnCli(['ls', p, '-w']);
    await watch.waitForLine(/: 0 children$/);
    await c.create(`${p}/x`);
    await watch.waitForLine(/^added\s+x$/);
    await c.remove(`${p}/x`);
    await watch.waitForLine(/^removed\s+x$/);
    watch.signal('SIGINT');
    expect(await watch.exited).toBe(0);
  });
});
