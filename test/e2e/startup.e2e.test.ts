import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { closeClients, newClient, uniquePath } from '../harness/zk.js';

// A preload that reports which Node built-ins the process loaded, read back from stderr.
const folder = mkdtempSync(join(tmpdir(), 'zk-coord-startup-'));
const preload = join(folder, 'loaded-modules.cjs');
writeFileSync(
  preload,
  "process.on('exit', () => process.stderr.write('loaded: ' + process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ') + '\\n'));\n",
);
afterEach(closeClients);
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function builtinsLoadedBy(args: string[]): Promise<{ code: number; stdout: string; loaded: string[] }> {
  const r = await runCli(args, { env: { NODE_OPTIONS: `--require ${preload}` } });
  const line = r.stderr.split('\n').find((l) => l.startsWith('loaded: '));
  expect(line).toBeDefined();
  return { code: r.code, stdout: r.stdout, loaded: line!.slice(8).split(' ') };
}

describe('a one-shot command loads only what it uses', () => {
  it('config get: no process supervisor, prompts, launcher, assert or HTTP server, only the socket it needs', async () => {
    const p = uniquePath('startup');
    const c = await newClient();
    await c.create(p, Buffer.from('v'));
    const get = await builtinsLoadedBy(['config', 'get', p]);
    expect(get.code).toBe(0);
    expect(get.stdout).toBe('v');
    expect(get.loaded).toContain('net');
    for (const unused of ['child_process', 'assert', 'readline', 'fs/promises', 'dgram', 'tls', 'http']) expect(get.loaded).not.toContain(unused);
    // The same bundle does load them when the command needs them: the check above can fail.
    const lock = await builtinsLoadedBy(['lock', `${p}-lock`, '--', 'true']);
    expect(lock.code).toBe(0);
    expect(lock.loaded).toContain('child_process');
    // --http on any free port (0); the command ends at once, so the leader resigns and exits with its code.
    const elect = await builtinsLoadedBy(['elect', `${p}-elect`, 'H', '--http', '0', '--', 'true']);
    expect(elect.code).toBe(0);
    expect(elect.loaded).toContain('http');
  });
});
