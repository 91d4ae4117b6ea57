import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { closeClients, newClient, uniquePath, waitFor, zkConnect } from '../harness/zk.js';

/**
 * One exit-code rule for every holder (issue: one hold lifecycle): the same situation gives the same code in
 * claim, elect and lock, and the node is gone for an observer within 500 ms of each stop.
 */
const running: CliRun[] = [];
afterEach(() => stopAll(running));
afterAll(closeClients);

interface Holder {
  name: 'claim' | 'elect' | 'lock';
  args(path: string, extra?: string[]): string[];
  /** A line (stdout) that says "held", without a command. */
  held: RegExp;
}

const HOLDERS: Holder[] = [
  { name: 'claim', args: (path, extra = []) => ['claim', path, '--max', '1', ...extra], held: /^1$/ },
  { name: 'elect', args: (path, extra = []) => ['elect', path, 'candidate', ...extra], held: /^leader candidate/ },
  { name: 'lock', args: (path, extra = []) => ['lock', path, ...extra], held: /^acquired \d+$/ },
];

function start(args: string[]): CliRun {
  const run = spawnCli(args);
  running.push(run);
  return run;
}

/** Resolves when the parent has no child znodes other than `keep` (within `timeoutMs`). */
async function goneWithin(path: string, keep: string[], timeoutMs: number): Promise<number> {
  const observer = await newClient();
  const since = Date.now();
  await waitFor(async () => {
    const { children } = await observer.getChildren(path).catch(() => ({ children: [] as string[] }));
    return children.every((c) => keep.includes(c));
  }, timeoutMs, `only ${keep.join(',') || 'nothing'} left under ${path}`);
  return Date.now() - since;
}

async function childrenOf(path: string): Promise<string[]> {
  const observer = await newClient();
  return (await observer.getChildren(path)).children;
}

describe.each(HOLDERS)('$name follows the one exit-code rule', (holder) => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('waiting for its turn, then %s: exit %i, nothing ran, its node gone', async (signal, code) => {
    const path = uniquePath(holder.name);
    const first = start(holder.args(path));
    await first.waitForLine(holder.held);
    const firstNodes = await childrenOf(path);
    const waiter = start(holder.args(path, ['--', 'sh', '-c', 'echo ran']));
    await waitFor(async () => (await childrenOf(path)).length > firstNodes.length || waiter.stderr.some((l) => /waiting|following|taken/.test(l)), 10_000, 'the waiter queued');
    waiter.signal(signal);
    expect(await waiter.exited).toBe(code);
    expect(waiter.stdout).not.toContain('ran');
    await goneWithin(path, firstNodes, 500);
  });

  it('holding without a command, SIGTERM: exit 0 and the node gone within 500 ms', async () => {
    const path = uniquePath(holder.name);
    const run = start(holder.args(path));
    await run.waitForLine(holder.held);
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    await goneWithin(path, [], 500);
  });

  it.each([
    ['traps TERM and exits 7', `trap 'exit 7' TERM; echo up; while :; do sleep 0.05; done`, true, 7],
    ['ends by itself with 5', `echo up; exit 5`, false, 5],
    ['is killed by a signal (SIGKILL from inside)', `echo up; kill -KILL $$`, false, 137],
    ['is ended by the forwarded SIGTERM', `echo up; while :; do sleep 0.05; done`, true, 143],
  ] as const)('with a command that %s: zk-coord exits with its status (%#)', async (_what, script, stop, code) => {
    const path = uniquePath(holder.name);
    const run = start(holder.args(path, ['--', 'sh', '-c', script]));
    await run.waitForLine(/^up$/);
    if (stop) run.signal('SIGTERM');
    expect(await run.exited).toBe(code);
    await goneWithin(path, [], 500);
  });
});

describe('the `… -- cmd && echo done` pattern', () => {
  it.each(HOLDERS)('$name: a candidate stopped while waiting never says done', async (holder) => {
    const path = uniquePath(holder.name);
    const first = start(holder.args(path));
    await first.waitForLine(holder.held);
    const quoted = [process.execPath, BIN, ...holder.args(path, ['--', 'true'])].map((a) => `'${a}'`).join(' ');
    const shell = spawn('sh', ['-c', `${quoted} && echo done; echo "status $?"`], {
      env: { ...process.env, ZK_COORD_SERVER: zkConnect(), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    shell.stdout.on('data', (b: Buffer) => (out += b.toString()));
    shell.stderr.on('data', (b: Buffer) => (err += b.toString()));
    await waitFor(() => /waiting|following/.test(err), 10_000, 'the second contender waiting');
    // SIGTERM to zk-coord itself (the shell's child), as a CI runner cancelling the step would.
    const { execSync } = await import('node:child_process');
    const pids = execSync(`pgrep -P ${shell.pid}`).toString().trim().split('\n').map(Number);
    for (const pid of pids) process.kill(pid, 'SIGTERM');
    await new Promise((resolve) => shell.on('close', resolve));
    expect(out).not.toContain('done');
    expect(out).toContain('status 143');
  });
});
