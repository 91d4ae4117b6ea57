import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../harness/cli.js';
import { closeClients, newClient, uniquePath, waitFor, zkConnect } from '../harness/zk.js';
import { zkCli } from '../harness/zkcli.js';

const exec = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'zk-coord-shell-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(closeClients);

const shell = (script: string, args: string[] = []) => runCli(['shell', ...args], { input: script });
/** A Curator ServiceInstance of service `api`, as another client would register it. */
const instance = (id: string, port: number): Buffer =>
  Buffer.from(JSON.stringify({ name: 'api', id, address: '10.0.0.1', port, sslPort: null, payload: null, registrationTimeUTC: 1700000000000, serviceType: 'DYNAMIC', uriSpec: null }));

describe('shell in batch mode (stdin not a terminal)', () => {
  it('creates, reads, updates and deletes nodes with zkCli output, comments and POSIX quoting', async () => {
    const p = uniquePath('batch');
    const script = [
      '# a comment line',
      `create ${p} ""`,
      `create ${p}/db "db_host=localhost;db_port=5432"   # trailing comment`,
      `create -e ${p}/eph 'held "by" the session'`,
      `ls ${p}`,
      `get ${p}/db`,
      `set ${p}/db db_port=5433`,
      `set -v 1 ${p}/db "a # not a comment"`,
      `get ${p}/db`,
      `get ${p}/eph`,
      `delete ${p}/db`,
      `deleteall ${p}`,
      `stat ${p}`,
    ].join('\n');
    const { code, stdout, stderr } = await shell(script);
    expect(stdout.split('\n')).toEqual([
      `Created ${p}`,
      `Created ${p}/db`,
      `Created ${p}/eph`,
      '[db, eph]',
      'db_host=localhost;db_port=5432',
      'a # not a comment',
      'held "by" the session',
    ]);
    // The last line failed: node not found, and that is the exit code.
    expect(code).toBe(5);
    expect(stderr).toContain(`node does not exist: ${p}`);
    expect(await (await newClient()).exists(p)).toBeNull();
  });

  it('stops at the first failing command with its exit code; --keep-going runs on and exits with the first failure', async () => {
    const script = (p: string): string => [`create ${p} x`, `create ${p} again`, `set -v 7 ${p} y`, `get ${p}`].join('\n');
    const p = uniquePath('stop');
    const stopped = await shell(script(p));
    expect(stopped.code).toBe(6);
    expect(stopped.stdout).toBe(`Created ${p}`);
    const q = uniquePath('going');
    const going = await shell(script(q), ['--keep-going']);
    expect(going.code).toBe(6);
    expect(going.stdout.split('\n')).toEqual([`Created ${q}`, 'x']);
    expect(going.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(2);
  });

  it('bad input prints one line and the session goes on (-f file)', async () => {
    const p = uniquePath('bad');
    const file = join(scratch, 'bad.zk');
    writeFileSync(file, [`create -e ${p} one`, 'bogus', 'ls -x /', `set ${p} "unbalanced`, 'get relative', `get ${p}`, 'whoami'].join('\n'));
    const { code, stdout, stderr } = await runCli(['shell', '-f', file, '--keep-going']);
    expect(code).toBe(2);
    const errors = stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(4);
    expect(errors[0]).toContain('unknown command "bogus"');
    expect(errors[1]).toContain('unknown option -x');
    expect(errors[2]).toContain('quoted string');
    expect(errors[3]).toContain('path must start with /');
    // Same session throughout: the ephemeral node is still there for the get, and whoami names one session.
    expect(stdout).toContain('one');
    expect(stdout).toMatch(/session: 0x[0-9a-f]+/);
    expect((await runCli(['shell', '-f', join(scratch, 'missing.zk')])).code).toBe(2);
  });

  it('create -c makes a container: the server reaps it once emptied, unlike a plain node; set -s prints the stat as zkCli does', async () => {
    const p = uniquePath('batch-container');
    const plainNode = uniquePath('batch-persistent');
    const script = [`create -c ${p}`, `create ${p}/kid k`, `create ${plainNode}`, `create ${plainNode}/kid k`, `set -s ${p} v1`];
    const { code, stdout } = await shell(script.join('\n'));
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([`Created ${p}`, `Created ${p}/kid`, `Created ${plainNode}`, `Created ${plainNode}/kid`]);
    expect(lines.slice(4)).toEqual(await zkCli(['stat', p]));
    const c = await newClient();
    await c.remove(`${p}/kid`);
    await c.remove(`${plainNode}/kid`);
    // The test server's reaper runs every 100 ms (test/harness/global-setup.ts); the stat does not mark a
    // container (its ephemeralOwner is 0x0, in zkCli too), being reaped does.
    await waitFor(async () => (await c.exists(p)) === null, 10_000, 'the emptied container reaped');
    expect(await c.exists(plainNode)).not.toBeNull();
  });

  it('discover runs in the session and prints what the discover command prints; its own options pass through', async () => {
    const base = uniquePath('shell-services');
    const c = await newClient();
    await c.create(base);
    await c.create(`${base}/api`);
    await c.create(`${base}/api/i1`, instance('i1', 8080));
    await c.create(`${base}/api/i2`, instance('i2', 8081));
    const commands = [`discover --base ${base}`, `discover api --base ${base}`, `discover api --base ${base} --random --sync`];
    const { code, stdout } = await shell(commands.join('\n'));
    expect(code).toBe(0);
    const direct = [];
    for (const command of commands) {
      const run = await runCli(command.split(' '));
      expect(run.code).toBe(0);
      direct.push(run.stdout);
    }
    const lines = stdout.split('\n');
    // The services line and both instances exactly as the command prints them; --random: one of the two.
    expect(lines.slice(0, 3)).toEqual([...direct[0]!.split('\n'), ...direct[1]!.split('\n')]);
    expect(lines[1]).toMatch(/^10\.0\.0\.1:8080\s+i1/);
    expect(['10.0.0.1:8080', '10.0.0.1:8081']).toContain(lines[3]);
    expect(lines).toHaveLength(4);
  });

  it('-o json prints one JSON object per command (NDJSON), failures included', async () => {
    const p = uniquePath('json');
    const script = [`create ${p} v1`, `get -s ${p}`, `set ${p} v2`, `ls ${p}`, `config get ${p}`, `get ${p}/nope`, `sync ${p}`].join('\n');
    const { code, stdout } = await shell(script, ['-o', 'json', '--keep-going']);
    expect(code).toBe(5);
    const objects = stdout.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects.map((o) => o.command)).toEqual(script.split('\n'));
    expect(objects[0]).toMatchObject({ ok: true, path: p });
    expect(objects[1]).toMatchObject({ ok: true, value: 'v1', stat: { version: 0 } });
    expect(objects[3]).toMatchObject({ children: [] });
    expect(objects[4]).toMatchObject({ ok: true, value: 'v2', version: 1 });
    expect(objects[5]).toMatchObject({ ok: false, exitCode: 5 });
    expect(objects[6]).toMatchObject({ ok: true, synced: true });
  });

  it('create -e nodes live as long as the shell; redo and history', async () => {
    const p = uniquePath('redo');
    const { code, stdout } = await shell([`create ${p} ""`, `create -s ${p}/n x`, 'history', 'redo 1', `ls ${p}`, `deleteall ${p}`].join('\n'));
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines).toContain(`1 - create -s ${p}/n x`);
    expect(lines).toContain(`Created ${p}/n0000000001`);
    expect(lines).toContain('[n0000000000, n0000000001]');
  });
});

describe('shell ACLs', () => {
  it('setAcl -R and addauth: a digest ACL shuts out other sessions, the shell still reads with its credentials', async () => {
    const p = uniquePath('acl');
    const script = [
      `create ${p} top`,
      `create ${p}/child kid`,
      'addauth digest alice:secret',
      `setAcl -R ${p} auth::cdrwa`,
      `getAcl ${p}/child`,
      `get ${p}/child`,
    ].join('\n');
    const { code, stdout } = await shell(script);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[2]).toMatch(/^'digest,'alice:/);
    expect(lines[3]).toBe(': cdrwa');
    expect(lines[4]).toBe('kid');
    const other = await shell(`get ${p}/child`);
    expect(other.code).toBe(8);
    expect(other.stderr).toContain('not authorised');
  });
});

describe('shell output matches zkCli on the same nodes', () => {
  it('ls, ls -s, get -s, stat, ls -R, getAcl: same fields, same order, same values', async () => {
    const p = uniquePath('interop');
    const c = await newClient();
    await c.create(p, Buffer.from('parent'));
    await c.create(`${p}/b`, Buffer.from('bee'));
    await c.create(`${p}/a`, Buffer.from('hello'));
    await c.create(`${p}/a/deep`, Buffer.from(''));
    const commands = [`ls ${p}`, `ls -s ${p}`, `get -s ${p}/a`, `stat ${p}/b`, `ls -R ${p}`, `getAcl ${p}/a`];
    for (const command of commands) {
      const ours = await shell(command);
      const theirs = await zkCli(command.split(' '));
      expect(ours.stdout.split('\n'), command).toEqual(theirs);
    }
  }, 90_000);
});

/** A node with one child to complete into, and `zk-coord` on a PATH of its own (as an installed one would be). */
async function completionFixture(name: string): Promise<{ p: string; bin: string }> {
  const p = uniquePath(name);
  const c = await newClient();
  await c.create(p);
  await c.create(`${p}/only-child`);
  const bin = join(scratch, 'bin');
  await exec('mkdir', ['-p', bin]);
  writeFileSync(join(bin, 'zk-coord'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`, { mode: 0o755 });
  return { p, bin };
}

describe('completion scripts', () => {
  it('bash: completes subcommands and a znode path from COMP_WORDS; nothing, at once, when no server answers', async () => {
    const { p, bin } = await completionFixture('compl');
    const complete = async (words: string[], server = zkConnect()): Promise<string> => {
      const script = `source <(zk-coord completion bash); COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _zk_coord_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const { stdout } = await exec('bash', ['-c', script], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ZK_COORD_SERVER: server } });
      return stdout.trim();
    };
    expect(await complete(['zk-coord', 'con'])).toBe('config');
    const subcommands = (await complete(['zk-coord', 'config', ''])).split('\n');
    expect(subcommands).toEqual(expect.arrayContaining(['get', 'set', 'watch', 'rm']));
    expect(subcommands.every((w) => /^[a-z]+$/.test(w))).toBe(true);
    expect(await complete(['zk-coord', 'config', 'get', `${p}/on`])).toBe(`${p}/only-child`);
    // -s after a zk-coord command takes the server: the path after its value still completes.
    expect(await complete(['zk-coord', 'config', 'get', '-s', zkConnect(), `${p}/on`])).toBe(`${p}/only-child`);
    expect(await complete(['zk-coord', 'ls', '--rec'])).toBe('--recursive');
    const started = Date.now();
    expect(await complete(['zk-coord', 'ls', '/'], '127.0.0.1:1')).toBe('');
    expect(Date.now() - started).toBeLessThan(3000);
    for (const name of ['zsh', 'fish']) expect((await runCli(['completion', name])).stdout).toContain('completion complete --');
  });

  it('zsh and fish: the printed scripts, run in their shells, complete subcommands and a znode path (no space after it in zsh)', async () => {
    const { p, bin } = await completionFixture('compl-zf');
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, ZK_COORD_SERVER: zkConnect() };
    // fish completes a command line as typed (complete -C), through the script's function.
    const fish = async (line: string): Promise<string[]> =>
      (await exec('fish', ['-c', `zk-coord completion fish | source; complete -C ${JSON.stringify(line)}`], { env })).stdout.trim().split('\n');
    expect(await fish('zk-coord con')).toEqual(['config']);
    expect(await fish('zk-coord config ')).toEqual(expect.arrayContaining(['get', 'set', 'watch', 'rm']));
    expect(await fish(`zk-coord config get ${p}/on`)).toEqual([`${p}/only-child`]);
    // zsh: the completion function outside a widget, with compadd recorded (its words and CURRENT as zle sets them).
    const zsh = async (words: string[]): Promise<string> => {
      const script = `compdef() { :; }; compadd() { print -r -- "compadd $*"; }; source <(zk-coord completion zsh); words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _zk_coord_complete`;
      return (await exec('zsh', ['-c', script], { env })).stdout.trim();
    };
    expect(await zsh(['zk-coord', 'con'])).toBe('compadd -- config');
    expect(await zsh(['zk-coord', 'config', 'get', `${p}/on`])).toBe(`compadd -Q -S  -- ${p}/only-child`);
  });
});
