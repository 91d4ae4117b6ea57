import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { closeClients, newClient, uniquePath, zkConnect } from '../harness/zk.js';

/** Issue 11: what a newcomer runs in the first hour, through the built CLI. */

const dir = mkdtempSync(join(tmpdir(), 'zk-coord-newcomer-'));
const running: CliRun[] = [];
afterEach(async () => {
  await stopAll(running);
  await closeClients();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sh(script: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', script], { env: { ...process.env, NO_COLOR: '1', ZK_COORD_SERVER: zkConnect(), ZK: `${process.execPath} ${BIN}`, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('stdout belongs to the supervised command', () => {
  it('-q claim --max 4 -- cmd > file: the file holds exactly what the command wrote', async () => {
    const out = join(dir, 'report.json');
    const r = await sh(`$ZK -q claim ${uniquePath('slots')} --max 4 -- sh -c 'echo "{\\"id\\": $ZK_COORD_ID}"' > ${out}`);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('{"id": 1}\n');
  });

  it.each([
    ['claim', (p: string) => ['claim', p], /claimed ID 1/],
    ['lock', (p: string) => ['lock', p], /acquired lock/],
    ['elect', (p: string) => ['elect', p, 'me'], /leader me/],
    ['register', (p: string) => ['register', 'api', '--base', p, '--port', '8001', '--address', '127.0.0.1', '--id', 'i1'], /registered instance i1/],
  ])('%s with a command: only the command on stdout, the held line on stderr', async (_name, args, line) => {
    const r = await runCli([...args(uniquePath('own')), '--', 'echo', 'only-me']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('only-me');
    expect(r.stderr).toMatch(line);
  });

  it('without a command, stdout is the data (the ID)', async () => {
    const run = spawnCli(['claim', uniquePath('ids')]);
    running.push(run);
    expect(await run.waitForLine(/^\d+$/)).toBe('1');
  });
});

describe('elect --observe --once', () => {
  it('prints who leads now and exits 0; exits 5 with "no leader" when nobody does', async () => {
    const path = uniquePath('election');
    const none = await runCli(['elect', path, '--observe', '--once']);
    expect([none.code, none.stdout]).toEqual([5, 'no leader']);
    const leader = spawnCli(['elect', path, 'alpha']);
    running.push(leader);
    await leader.waitForLine(/^leader alpha/);
    const one = await runCli(['elect', path, '--observe', '--once', '-o', 'json']);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ event: 'leader', name: 'alpha' });
  });
});

describe('-s is the server before and after the command', () => {
  it('status -s host and config get /x -s host both use that server', async () => {
    const path = uniquePath('x');
    await (await newClient()).create(path, Buffer.from('v'));
    const env = { ZK_COORD_SERVER: '127.0.0.1:1' };
    const status = await runCli(['status', '-s', zkConnect()], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/standalone/);
    const get = await runCli(['config', 'get', path, '-s', zkConnect()], { env });
    expect([get.code, get.stdout]).toEqual([0, 'v']);
    const stat = await runCli(['config', 'get', path, '--stat', '-s', zkConnect()], { env });
    expect(stat.stdout).toMatch(/dataVersion = 0/);
  });
});

describe('errors name the fix', () => {
  it('config set: a missing parent says add -p; a version mismatch shows the version now; -e on a persistent node says what to do', async () => {
    const p = uniquePath('fix');
    const parent = await runCli(['config', 'set', `${p}/b/c`, 'v']);
    expect(parent.code).toBe(5);
    expect(parent.stderr).toContain(`its parent ${p}/b does not exist: add -p (--parents)`);
    expect((await runCli(['config', 'set', p, 'v1'])).code).toBe(0);
    expect((await runCli(['config', 'set', p, 'v2'])).code).toBe(0);
    const cas = await runCli(['config', 'set', '--version', '0', p, 'v3']);
    expect(cas.code).toBe(6);
    expect(cas.stderr).toContain('the node is at version 1 now (re-read it, then --version 1)');
    const ephemeral = await runCli(['config', 'set', '-e', p, 'v']);
    expect(ephemeral.code).toBe(6);
    expect(ephemeral.stderr).toContain(`(a persistent node): -e creates an ephemeral node of its own: delete this one first (zk-coord config rm ${p})`);
    expect(ephemeral.stderr).not.toContain('0x0');
  });

  it('config rm: children without -R, and a version mismatch, fail before deleting anything, naming the fix', async () => {
    const p = uniquePath('fix');
    const c = await newClient();
    await c.create(p, Buffer.alloc(0));
    await c.create(`${p}/a`, Buffer.alloc(0));
    await c.create(`${p}/b`, Buffer.alloc(0));
    const rm = await runCli(['config', 'rm', '-y', p]);
    expect(rm.code).toBe(6);
    expect(rm.stderr).toContain('2 children under it; add -R (--recursive)');
    const v = await runCli(['config', 'rm', '-y', '--version', '4', `${p}/a`]);
    expect(v.code).toBe(6);
    expect(v.stderr).toContain('the node is at version 0 now');
    expect((await c.getChildren(p)).children.sort()).toEqual(['a', 'b']);
  });

  it('a command that does not exist or cannot run: 127 / 126 before anything is held, saying so', async () => {
    const parent = uniquePath('never');
    const missing = await runCli(['claim', parent, '--', './no-such-script.sh']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('./no-such-script.sh: no such file (nothing was held)');
    expect(missing.stderr).not.toContain('pid ?');
    const notOnPath = await runCli(['lock', parent, '--', 'no-such-command-zk']);
    expect(notOnPath.code).toBe(127);
    expect(notOnPath.stderr).toContain('command not found on PATH');
    const script = join(dir, 'not-executable.sh');
    writeFileSync(script, 'echo hi\n', { mode: 0o644 });
    const noExec = await runCli(['elect', parent, 'x', '--', script]);
    expect(noExec.code).toBe(126);
    expect(noExec.stderr).toContain(`chmod +x ${script}`);
    expect(await (await newClient()).exists(parent)).toBeNull();
  });

  it('-s host after a zkCli word says where the server goes; nothing listening says how to start one', async () => {
    const ls = await runCli(['ls', '/', '-s', '127.0.0.1:2181']);
    expect(ls.code).toBe(2);
    expect(ls.stderr).toContain("hint: after ls, -s is zkCli's stat; give the server before the command (zk-coord -s 127.0.0.1:2181 …) or as --server 127.0.0.1:2181");
    const none = await runCli(['config', 'get', '/x'], { server: '127.0.0.1:1' });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('start one with `zk-coord server start`');
  });
});

describe("zkCli's words at the top level", () => {
  it('create -e -s, get -s, set -v, stat, delete: zkCli shapes and output, exit codes as everywhere', async () => {
    const p = uniquePath('zkcli');
    expect((await runCli(['create', p, 'hello'])).stdout).toBe(`Created ${p}`);
    const seq = await runCli(['create', '-e', '-s', `${p}/e-`, 'x']);
    expect(seq.stdout).toMatch(new RegExp(`^Created ${p}/e-\\d{10}$`));
    expect(seq.stderr).toContain('the ephemeral node goes with this session');
    const get = await runCli(['get', '-s', p]);
    expect(get.stdout.split('\n')[0]).toBe('hello');
    expect(get.stdout).toContain('dataVersion = 0');
    expect((await runCli(['set', '-v', '0', p, 'v2'])).code).toBe(0);
    const stale = await runCli(['set', '-v', '0', p, 'v3']);
    expect(stale.code).toBe(6);
    expect(stale.stderr).toContain('the node is at version 1 now (re-read it, then -v 1)');
    expect((await runCli(['stat', p])).stdout).toContain('dataVersion = 1');
    expect((await runCli(['-o', 'json', 'get', p])).stdout).toBe(JSON.stringify({ path: p, value: 'v2', version: 1 }));
    expect((await runCli(['delete', `${p}/nope`])).code).toBe(5);
    expect((await runCli(['delete', p])).code).toBe(0);
  });

  it('get -w prints the value, then the one event it armed, and exits', async () => {
    const p = uniquePath('zkcli');
    const c = await newClient();
    await c.create(p, Buffer.from('v1'));
    const run = spawnCli(['get', '-w', p]);
    running.push(run);
    await run.waitForLine(/^v1$/);
    await run.waitForLine(/waiting for one event/, 10_000, 'stderr');
    await c.setData(p, Buffer.from('v2'));
    expect(await run.exited).toBe(0);
    expect(run.stdout.at(-1)).toBe(`WatchedEvent state:SyncConnected type:NodeDataChanged path:${p}`);
  });

  it('words zkCli has not (watch, rm, put) point to the zk-coord command, one line', async () => {
    const watch = await runCli(['watch', '/config/x']);
    expect(watch.code).toBe(2);
    expect(watch.stderr.trim()).toBe('error: zk-coord has no "watch": did you mean zk-coord config watch /config/x?');
    expect((await runCli(['rm', '/x'])).stderr).toContain('did you mean zk-coord config rm /x?');
    expect((await runCli(['put', '/x', 'v'])).stderr).toContain('did you mean zk-coord config set /x v?');
  });
});
