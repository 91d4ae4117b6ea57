import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { kazoo } from '../harness/kazoo.js';
import { uniquePath, waitFor, zkConnect } from '../harness/zk.js';

const running: CliRun[] = [];
afterEach(async () => {
  await stopAll(running);
});
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zk-coord-acl-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALICE = { ZK_COORD_AUTH: 'alice:alice-Secret-1' };
const acl = async (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['acl', ...args], { env });
const aclOf = async (path: string, env: NodeJS.ProcessEnv = ALICE) => JSON.parse((await acl(['get', path, '-o', 'json'], env)).stdout) as { scheme: string; id: string; perms: string }[];

describe('acl get / acl set', () => {
  it('sets each zkCli form; digest and digest-plain hash as ZooKeeper (and kazoo) do', async () => {
    const path = uniquePath('acl-forms');
    expect((await runCli(['config', 'set', path, 'v'])).code).toBe(0);
    expect(await aclOf(path)).toEqual([{ scheme: 'world', id: 'anyone', perms: 'cdrwa' }]);
    // The digest id computed by another client, not by us.
    const { bob } = (await kazoo(zkConnect(), `result["bob"] = make_digest_acl_credential("bob", "bob-pw")`)) as { bob: string };
    const set = await acl(['set', path, 'world:anyone:r', `digest:${bob}:cdrwa`, 'ip:10.0.0.0/8:r,auth::cdrwa', 'digest-plain:carol:carol-pw:rw'], ALICE);
    expect(set.code).toBe(0);
    const { carol, alice } = (await kazoo(zkConnect(), `result["carol"] = make_digest_acl_credential("carol", "carol-pw")\nresult["alice"] = make_digest_acl_credential("alice", "alice-Secret-1")`)) as { carol: string; alice: string };
    expect(await aclOf(path)).toEqual([
      { scheme: 'world', id: 'anyone', perms: 'r' },
      { scheme: 'digest', id: bob, perms: 'cdrwa' },
      { scheme: 'ip', id: '10.0.0.0/8', perms: 'r' },
      // auth:: is the session's own identity, expanded by the server.
      { scheme: 'digest', id: alice, perms: 'cdrwa' },
      { scheme: 'digest', id: carol, perms: 'rw' },
    ]);
    // Text: one scheme:id:perms per line; --zkcli: zkCli's layout.
    expect((await acl(['get', path], ALICE)).stdout.split('\n')[0]).toBe('world:anyone:r');
    expect((await acl(['get', path, '--zkcli'], ALICE)).stdout.split('\n').slice(0, 2)).toEqual(["'world,'anyone", ': r']);
    // --version compares the ACL version: stale fails (6), current succeeds.
    expect((await acl(['set', path, 'world:anyone:cdrwa', '--version', '0'], ALICE)).code).toBe(6);
    expect((await acl(['set', path, 'world:anyone:cdrwa', '--version', '1'], ALICE)).code).toBe(0);
  });

  it('-R sets the whole subtree; bad forms are usage errors (exit 2)', async () => {
    const root = uniquePath('acl-tree');
    expect((await runCli(['config', 'set', `${root}/a/b`, 'v', '-p'])).code).toBe(0);
    expect((await acl(['set', root, '-R', 'world:anyone:cdr'])).code).toBe(0);
    for (const p of [root, `${root}/a`, `${root}/a/b`]) expect(await aclOf(p, {})).toEqual([{ scheme: 'world', id: 'anyone', perms: 'cdr' }]);
    for (const bad of ['world:anyone', 'world:someone:r', 'digest:bob:nothash:r', 'ip:not-an-ip:r', 'world:anyone:rx']) {
      const result = await acl(['set', root, bad]);
      expect(result.code, bad).toBe(2);
    }
  });

  it('an unauthenticated client (kazoo) cannot do what the ACL forbids; the authorised identity can', async () => {
    const path = uniquePath('acl-enforced');
    expect((await runCli(['config', 'set', path, 'v0', '--acl', 'digest-plain:alice:alice-Secret-1:cdrwa,world:anyone:r'])).code).toBe(0);
    const body = `
path = ${JSON.stringify(path)}
result["read"] = attempt(lambda: zk.get(path))
result["write"] = attempt(lambda: zk.set(path, b"x"))
result["child"] = attempt(lambda: zk.create(path + "/child", b""))
result["acl"] = attempt(lambda: zk.set_acls(path, [make_digest_acl("mallory", "m", all=True)]))`;
    expect(await kazoo(zkConnect(), body)).toEqual({ read: 'ok', write: 'NoAuthError', child: 'NoAuthError', acl: 'NoAuthError' });
    expect(await kazoo(zkConnect(), body, 'alice:alice-Secret-1')).toEqual({ read: 'ok', write: 'ok', child: 'ok', acl: 'ok' });
    // And our own client, unauthenticated, is refused with exit 8 (not authorised) and the hint.
    const refused = await runCli(['config', 'set', uniquePath('x').replace('/', `${path}/`), 'v']);
    expect(refused.code).toBe(8);
    expect(refused.stderr).toContain('ZK_COORD_AUTH');
  });
});

describe('--acl creator on holders', () => {
  it('claim --acl creator: another identity cannot delete or change the ID node; the holder deletes it on exit', async () => {
    const parent = uniquePath('creator-slots');
    const claim = spawnCli(['claim', parent, '--acl', 'creator'], { env: ALICE });
    running.push(claim);
    expect(await claim.waitForLine(/^\d+$/)).toBe('1');
    const node = `${parent}/1`;
    const body = `
node = ${JSON.stringify(node)}
result["read"] = attempt(lambda: zk.get(node))
result["delete"] = attempt(lambda: zk.delete(node))
result["write"] = attempt(lambda: zk.set(node, b"mine now"))
result["sibling"] = attempt(lambda: zk.create(${JSON.stringify(parent)} + "/2", b"", ephemeral=True))`;
    // Anonymous and another digest identity alike: reads and new siblings yes, deletes and writes no.
    for (const who of [undefined, 'bob:bob-pw']) {
      expect(await kazoo(zkConnect(), body, who)).toEqual({ read: 'ok', delete: 'NoAuthError', write: 'NoAuthError', sibling: 'ok' });
    }
    expect((await runCli(['config', 'rm', node, '--yes'])).code).toBe(8);
    claim.signal('SIGTERM');
    expect(await claim.exited).toBe(0);
    expect(claim.stderr.join('\n')).toMatch(/released/);
    await waitFor(async () => (await runCli(['config', 'get', node])).code === 5, 5000, 'node deleted by its holder');
  });

  it('lock, elect and config set -e take --acl creator too; on an existing node it warns; without credentials it is a usage error', async () => {
    const lockPath = uniquePath('creator-lock');
    const lock = await runCli(['lock', lockPath, '--acl', 'creator', '--', 'sh', '-c', 'echo "held $ZK_COORD_PATH"'], { env: ALICE });
    expect(lock.code).toBe(0);
    expect(lock.stdout).toBe(`held ${lockPath}`);
    // The lock's parent was made creator-only for deletes: anonymous clients may still queue (create) and list.
    expect(await kazoo(zkConnect(), `result["queue"] = attempt(lambda: zk.create(${JSON.stringify(lockPath)} + "/x", b"", ephemeral=True))\nresult["ls"] = attempt(lambda: zk.get_children(${JSON.stringify(lockPath)}))`)).toEqual({ queue: 'ok', ls: 'ok' });
    const path = uniquePath('creator-eph');
    const held = spawnCli(['config', 'set', '-e', path, 'mine', '--acl', 'creator'], { env: ALICE });
    running.push(held);
    await held.waitForLine(new RegExp(path));
    expect(await kazoo(zkConnect(), `result["write"] = attempt(lambda: zk.set(${JSON.stringify(path)}, b"x"))`)).toEqual({ write: 'NoAuthError' });
    held.signal('SIGTERM');
    expect(await held.exited).toBe(0);
    // elect: the candidate node is the session identity's (auth:: expanded by the server), readable by all.
    const electPath = uniquePath('creator-election');
    const elect = spawnCli(['-o', 'json', 'elect', electPath, 'solo', '--acl', 'creator'], { env: ALICE });
    running.push(elect);
    const leader = JSON.parse(await elect.waitForLine(/"event":"elected"/)) as { node: string };
    const { alice } = (await kazoo(zkConnect(), `result["alice"] = make_digest_acl_credential("alice", "alice-Secret-1")`)) as { alice: string };
    expect(await aclOf(leader.node, {})).toEqual([
      { scheme: 'digest', id: alice.replace(/:.*/, ':x'), perms: 'cdrwa' },
      { scheme: 'world', id: 'anyone', perms: 'r' },
    ]);
    elect.signal('SIGTERM');
    expect(await elect.exited).toBe(0);
    // register: the instance node likewise; another identity cannot deregister it.
    const base = uniquePath('creator-services');
    const reg = spawnCli(['register', 'api', '--port', '8080', '--id', 'i1', '--base', base, '--acl', 'creator'], { env: ALICE });
    running.push(reg);
    await reg.waitForLine(/^i1$/);
    expect(await kazoo(zkConnect(), `result["delete"] = attempt(lambda: zk.delete(${JSON.stringify(`${base}/api/i1`)}))`, 'bob:bob-pw')).toEqual({ delete: 'NoAuthError' });
    reg.signal('SIGTERM');
    expect(await reg.exited).toBe(0);
    // On a node that already exists, --acl changes nothing and says so.
    const existing = uniquePath('creator-existing');
    expect((await runCli(['config', 'set', existing, 'v'])).code).toBe(0);
    const warned = await runCli(['config', 'set', existing, 'v2', '--acl', 'creator'], { env: ALICE });
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/already existed: --acl applies only when a node is created/);
    expect(await aclOf(existing, {})).toEqual([{ scheme: 'world', id: 'anyone', perms: 'cdrwa' }]);
    const noAuth = await runCli(['claim', uniquePath('c'), '--acl', 'creator'], { env: { ZK_COORD_AUTH: '' } });
    expect(noAuth.code).toBe(2);
    expect(noAuth.stderr).toMatch(/needs credentials: set ZK_COORD_AUTH/);
  });
});

describe('secrets', () => {
  it('--trace, -o json and errors never contain a password (ZK_COORD_AUTH, --auth-file, digest-plain)', async () => {
    const path = uniquePath('secret');
    const authFile = join(dir, 'auth');
    writeFileSync(authFile, 'dora:Dora-File-Secret-9\n', { mode: 0o600 });
    const runs = [
      await runCli(['--trace', '-o', 'json', 'config', 'set', path, 'v', '--acl', 'digest-plain:alice:Plain-Secret-7:cdrwa,world:anyone:r']),
      await runCli(['--trace', 'acl', 'set', path, 'digest-plain:alice:Plain-Secret-7:cdrwa', 'world:anyone:r'], { env: { ZK_COORD_AUTH: 'alice:Plain-Secret-7' } }),
      await runCli(['--trace', '-o', 'json', 'acl', 'get', path], { env: { ZK_COORD_AUTH: 'alice:Plain-Secret-7' } }),
      await runCli(['--trace', 'acl', 'set', `${path}/missing`, 'digest-plain:alice:Plain-Secret-7:cdrwa']),
      await runCli(['--trace', 'acl', 'set', path, 'digest-plain:alice:Plain-Secret-7:xyz']),
      await runCli(['--trace', 'config', 'set', path, 'denied'], { env: { ZK_COORD_AUTH: 'eve:Eve-Secret-3' } }),
      await runCli(['--trace', '-o', 'json', '--auth-file', authFile, 'claim', uniquePath('s'), '--acl', 'creator', '--', 'true']),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 5, 2, 8, 0]);
    for (const r of runs) {
      const all = `${r.stdout}\n${r.stderr}`;
      for (const secret of ['Plain-Secret-7', 'alice-Secret-1', 'Eve-Secret-3', 'Dora-File-Secret-9']) expect(all).not.toContain(secret);
    }
    // The --auth-file identity really authenticated: the server accepts auth::cdrwa only from an authenticated session.
    expect(runs[6]!.stderr).toMatch(/setAcl|create -e .* auth::cdrwa/);
  });
});
