import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, trackedRuns } from '../harness/cli.js';
import { proxyToServer, stopProxies, type FaultProxy } from '../harness/fault-proxy.js';
import { closeClients, newClient, sleep, uniquePath, waitFor, zkConnect } from '../harness/zk.js';

/**
 * Exclusive means exclusive: nothing a supervised command started outlives the hold, whatever happens to
 * zk-coord, and the command group is dead a measured margin before anyone else can hold.
 */
const runs = trackedRuns();
const { start } = runs;
const proxy = (): Promise<FaultProxy> => proxyToServer();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zk-coord-supervision-'));
});
afterEach(async () => {
  await runs.stop();
  await stopProxies();
});
afterAll(async () => {
  await closeClients();
  rmSync(dir, { recursive: true, force: true });
});

let unique = 0;
/** A `sleep` whose command line no other process has: how we find grandchildren. */
function marker(): string {
  unique += 1;
  return `6${String(process.pid % 100).padStart(2, '0')}.${unique}${Date.now() % 1000}`;
}

function alive(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `sleep ${pattern.replace(/\./g, '\\.')}$`]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

type Recipe = 'claim' | 'elect' | 'lock';
const RECIPES: Recipe[] = ['claim', 'elect', 'lock'];
/** The recipe's holder; an elect candidate exits 4 on a loss (--once) instead of campaigning again. */
const argsFor = (recipe: Recipe, path: string, extra: string[]): string[] =>
  recipe === 'claim' ? ['claim', path, '--max', '1', ...extra] : recipe === 'elect' ? ['elect', path, `c${unique}`, '--once', ...extra] : ['lock', path, ...extra];

describe.each(RECIPES)('%s: the whole command tree dies with the hold', (recipe) => {
  it('after SIGTERM, after a loss, and after the command\'s own exit with a background job left behind', async () => {
    // SIGTERM.
    const a = marker();
    const b = marker();
    const path = uniquePath(recipe);
    const run = start(argsFor(recipe, path, ['--', 'sh', '-c', `sleep ${a} & sleep ${b}; wait`]));
    await waitFor(() => alive(a).length === 1 && alive(b).length === 1, 10_000, 'both grandchildren');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(143);
    expect(alive(a)).toEqual([]);
    expect(alive(b)).toEqual([]);

    // Loss: cut off past the session timeout.
    const c = marker();
    const cut = await proxy();
    const lost = start(['--session-timeout', '2000', ...argsFor(recipe, uniquePath(recipe), ['--', 'sh', '-c', `sleep ${c} & wait`])], cut.connectString);
    await waitFor(() => alive(c).length === 1, 10_000, 'grandchild under the cut-off holder');
    cut.setMode('blackhole');
    expect(await lost.exited).toBe(4);
    expect(alive(c)).toEqual([]);

    // The command ends by itself and leaves a background job: the job goes too, before the release.
    const d = marker();
    const leftPath = uniquePath(recipe);
    const left = start(argsFor(recipe, leftPath, ['--', 'sh', '-c', `sleep ${d} & echo started`]));
    await left.waitForLine(/^started$/);
    expect(await left.exited).toBe(0);
    expect(alive(d)).toEqual([]);
    const observer = await newClient();
    expect((await observer.getChildren(leftPath)).children).toEqual([]);
  });
});

describe.each(RECIPES)('%s: zk-coord killed with SIGKILL', (recipe) => {
  it('takes its command group with it within a second; the next holder never overlaps', async () => {
    const a = marker();
    const b = marker();
    const path = uniquePath(`sigkill-${recipe}`);
    const first = start(['--session-timeout', '2000', ...argsFor(recipe, path, ['--', 'sh', '-c', `sleep ${a} & sleep ${b}; wait`])]);
    await waitFor(() => alive(a).length === 1 && alive(b).length === 1, 10_000, 'both grandchildren');
    const killedAt = Date.now();
    first.signal('SIGKILL');
    await waitFor(() => alive(a).length === 0 && alive(b).length === 0, 1000, 'the group gone within 1 s');
    const deadAt = Date.now();
    expect(deadAt - killedAt).toBeLessThan(1000);
    const startFile = join(dir, `second-${recipe}-${unique}`);
    const second = start(argsFor(recipe, path, ['--', 'sh', '-c', `date +%s%3N > ${startFile}; echo up`]));
    await second.waitForLine(/^up$/, 15_000);
    expect(Number(readFileSync(startFile, 'utf8'))).toBeGreaterThan(deadAt);
  });
});

/** The other supervised commands: register, config set -e with a command, config watch --exec (a running hook). */
/** Each with its exit after SIGTERM: a holder's is its command's (143), config watch's own is 0. */
const OTHER_SUPERVISED: [string, (path: string, cmd: string) => string[], number][] = [
  ['register', (path, cmd) => ['register', 'api', '--base', path, '--port', '8080', '--exec', cmd], 143],
  ['config set -e -- cmd', (path, cmd) => ['config', 'set', '-e', `${path}-node`, 'v', '-p', '--', 'sh', '-c', cmd], 143],
  ['config watch --exec', (path, cmd) => ['config', 'watch', path, '--exec', cmd], 0],
];

describe.each(OTHER_SUPERVISED)('%s: the whole command tree dies with it', (_name, argv, stoppedCode) => {
  it('SIGTERM stops the command and what it started in the background; SIGKILL of zk-coord takes the group within 1 s', async () => {
    const a = marker();
    const b = marker();
    const run = start(argv(uniquePath('group'), `sleep ${a} & sleep ${b}; wait`));
    await waitFor(() => alive(a).length === 1 && alive(b).length === 1, 10_000, 'both grandchildren');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(stoppedCode);
    expect(alive(a)).toEqual([]);
    expect(alive(b)).toEqual([]);

    const c = marker();
    const killed = start(argv(uniquePath('group'), `sleep ${c} & wait`));
    await waitFor(() => alive(c).length === 1, 10_000, 'grandchild up');
    const killedAt = Date.now();
    killed.signal('SIGKILL');
    await waitFor(() => alive(c).length === 0, 1000, 'the group gone within 1 s');
    expect(Date.now() - killedAt).toBeLessThan(1000);
  });
});

describe.each(RECIPES)('%s: the margin before anyone else can hold', (recipe) => {
  it('blackholed past the session timeout, the old group is dead at least T/4 before the competitor\'s command starts', async () => {
    const timeoutMs = 2000;
    const path = uniquePath(recipe);
    const cut = await proxy();
    const pidFile = join(dir, `old-${recipe}-${unique}`);
    const startFile = join(dir, `new-${recipe}-${unique}`);
    const old = start(['--session-timeout', String(timeoutMs), ...argsFor(recipe, path, ['--', 'sh', '-c', `echo $$ > ${pidFile}; while :; do sleep 0.02; done`])], cut.connectString);
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 10_000, 'old command up');
    const oldPid = Number(readFileSync(pidFile, 'utf8'));
    const competitor = start(argsFor(recipe, path, ['--', 'sh', '-c', `date +%s%3N > ${startFile}; sleep 30`]));
    await waitFor(() => competitor.stderr.some((l) => /waiting|following|taken/.test(l)), 10_000, 'competitor waiting');
    cut.setMode('blackhole');
    await waitFor(() => !pidAlive(oldPid), 10_000, 'old command dead');
    const deadAt = Date.now();
    await waitFor(() => existsSync(startFile) && readFileSync(startFile, 'utf8').trim() !== '', 15_000, 'competitor started');
    const margin = Number(readFileSync(startFile, 'utf8')) - deadAt;
    expect(margin).toBeGreaterThanOrEqual(timeoutMs / 4);
    expect(await old.exited).toBe(4);
  });
});

const HELD_EVENT: Record<Recipe, RegExp> = { claim: /"event":"claimed"/, elect: /"event":"elected"/, lock: /"event":"acquired"/ };

describe.each(RECIPES.flatMap((recipe) => (['refuse', 'blackhole'] as const).map((mode) => [recipe, mode] as const)))('%s: honest release (server cut: %s)', (recipe, mode) => {
  it('SIGTERM while cut off says the node stays until expiry and exits 7, never "released"', async () => {
    const cut = await proxy();
    const path = uniquePath(`stuck-${recipe}`);
    // 8 s: the SIGTERM must come before the hold is given up (suspension + T/4), even on a loaded machine.
    const run = start(['--session-timeout', '8000', '-o', 'json', ...argsFor(recipe, path, [])], cut.connectString);
    await run.waitForLine(HELD_EVENT[recipe]);
    // Refused: the socket closes at once. Blackholed: silence, noticed a quarter of the timeout later.
    cut.setMode(mode);
    await run.waitForLine(/connection to .* lost/, 8000, 'stderr');
    run.signal('SIGTERM');
    expect(await run.exited).toBe(7);
    const stderr = run.stderr.join('\n');
    expect(stderr).toMatch(new RegExp(`${path}/\\S+ could not be released .*ZooKeeper keeps it until session 0x[0-9a-f]+ expires, within \\d`));
    expect(stderr).not.toMatch(/^released/m);
  });
});

describe('honest release', () => {

  it('with the server there, the release is confirmed and the node gone for an observer within 200 ms', async () => {
    const path = uniquePath('fine');
    const run = start(['claim', path]);
    await run.waitForLine(/^1$/);
    const observer = await newClient();
    run.signal('SIGTERM');
    expect(await run.exited).toBe(0);
    const t = Date.now();
    await waitFor(async () => (await observer.exists(`${path}/1`)) === null, 200, 'node gone');
    expect(Date.now() - t).toBeLessThanOrEqual(250);
    expect(run.stderr.join('\n')).toMatch(/released ID 1/);
  });
});

describe('elect re-campaigns after a loss', () => {
  it('deletes its own previous candidate node instead of following it: a leader again within a round trip of the new session', async () => {
    const cut = await proxy();
    const path = uniquePath('recampaign');
    const run = start(['--session-timeout', '8000', '-o', 'json', 'elect', path, 'solo', '--suspend-grace', '300ms'], cut.connectString);
    await run.waitForLine(/"event":"elected"/);
    cut.setMode('refuse');
    await run.waitForLine(/"event":"lost"/, 10_000);
    await sleep(1200);
    cut.setMode('pass');
    await run.waitForLine(/candidate .* \(solo\)/, 10_000, 'stderr');
    const enteredAt = Date.now();
    await waitFor(() => run.stdout.filter((l) => l.includes('"event":"elected"')).length === 2, 3000, 'elected again');
    // Not after the old session's 8 s expiry: its node was deleted, not followed.
    expect(Date.now() - enteredAt).toBeLessThan(2000);
    expect(run.stderr.join('\n')).not.toMatch(/following solo/);
  });
});

describe.each(RECIPES)('%s: broken stdout and stderr while holding', (recipe) => {
  it('no crash; the command keeps running; SIGTERM releases as usual', async () => {
    const path = uniquePath(recipe);
    const beat = join(dir, `beat-${recipe}-${unique}`);
    // The command writes elsewhere (it would die of SIGPIPE itself otherwise); zk-coord still writes its notes.
    const run = start(['--session-timeout', '2000', ...argsFor(recipe, path, ['--', 'sh', '-c', `echo up; while :; do date +%s%3N >> ${beat}; sleep 0.05; done`])]);
    await run.waitForLine(/^up$/);
    run.child.stdout?.destroy();
    run.child.stderr?.destroy();
    await sleep(700);
    expect(run.running).toBe(true);
    const observer = await newClient();
    expect((await observer.getChildren(path)).children.length).toBe(1);
    const beats = readFileSync(beat, 'utf8').trim().split('\n').map(Number);
    expect(Date.now() - beats[beats.length - 1]!).toBeLessThan(500);
    // The release notes go to the closed stderr: dropped, not a crash.
    run.signal('SIGTERM');
    expect(await run.exited).toBe(143);
    await waitFor(async () => (await observer.getChildren(path)).children.length === 0, 500, 'released');
  });
});

describe('a holder whose parent goes away', () => {
  it('releases and stops its command within 2 s (a `sh -c "zk-coord claim … & sleep 1"` that ends)', async () => {
    const a = marker();
    const path = uniquePath('orphan');
    const cmd = [process.execPath, BIN, 'claim', path, '--', 'sh', '-c', `sleep ${a}`].map((x) => `'${x}'`).join(' ');
    const shell = spawn('sh', ['-c', `${cmd} & sleep 1`], { env: { ...process.env, ZK_COORD_SERVER: zkConnect() }, stdio: 'ignore' });
    await waitFor(() => alive(a).length === 1, 10_000, 'command up');
    await new Promise((resolve) => shell.on('close', resolve));
    const endedAt = Date.now();
    const observer = await newClient();
    await waitFor(async () => (await observer.getChildren(path)).children.length === 0 && alive(a).length === 0, 2000, 'ID free and command gone');
    expect(Date.now() - endedAt).toBeLessThan(2000);
  });

  it('the README\'s coproc pattern, run literally: the documented kill frees the slot', async () => {
    const path = uniquePath('coproc');
    const script = `
      coproc CLAIM { exec ${process.execPath} ${BIN} claim ${path} --max 4; }
      read -r SLOT <&"\${CLAIM[0]}"
      echo "slot $SLOT"
      kill -TERM "$CLAIM_PID"; wait "$CLAIM_PID"; echo "status $?"`;
    const out = execFileSync('bash', ['-c', script], { env: { ...process.env, ZK_COORD_SERVER: zkConnect() } }).toString();
    expect(out).toContain('slot 1');
    expect(out).toContain('status 0');
    const observer = await newClient();
    expect((await observer.getChildren(path)).children).toEqual([]);
  });

  it('--detach keeps holding after the parent is gone', async () => {
    const path = uniquePath('detached');
    const cmd = [process.execPath, BIN, 'claim', path, '--detach'].map((x) => `'${x}'`).join(' ');
    const shell = spawn('sh', ['-c', `${cmd} > /dev/null 2>&1 & echo $!`], { env: { ...process.env, ZK_COORD_SERVER: zkConnect() }, stdio: ['ignore', 'pipe', 'ignore'] });
    let pidText = '';
    shell.stdout.on('data', (b: Buffer) => (pidText += b.toString()));
    await new Promise((resolve) => shell.on('close', resolve));
    const pid = Number(pidText.trim());
    const observer = await newClient();
    await waitFor(async () => (await observer.getChildren(path).catch(() => ({ children: [] }))).children.length === 1, 10_000, 'claimed');
    await sleep(1500);
    expect((await observer.getChildren(path)).children).toEqual(['1']);
    process.kill(pid, 'SIGTERM');
    await waitFor(async () => (await observer.getChildren(path)).children.length === 0, 2000, 'released');
  });
});
