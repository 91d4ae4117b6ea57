import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { FakeServer } from '../harness/fake-servers.js';
import { closeClients, newClient, uniquePath, zkConnect } from '../harness/zk.js';

afterEach(closeClients);

const lines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0);

/** A usage error: exit 2, the message on the first stderr line (commander adds its "--help" hint). */
async function expectUsage(args: string[], pattern: RegExp, env?: NodeJS.ProcessEnv): Promise<string> {
  const run = await runCli(args, env ? { env } : {});
  expect(run.code, args.join(' ')).toBe(2);
  expect(run.stdout).toBe('');
  expect(lines(run.stderr).length, run.stderr).toBeLessThanOrEqual(2);
  expect(lines(run.stderr)[0], args.join(' ')).toMatch(pattern);
  return run.stderr;
}

describe('numbers at the edges: exact parsers, exit 2, one line naming the option and the range', () => {
  it('claim --id and --max', async () => {
    const parent = uniquePath('ids');
    for (const bad of ['9007199254740993', '9007199254740992', '-1', '1.5', '0', '1e3', '0x10', ' 3']) {
      await expectUsage(['claim', parent, '--id', bad], /option '--id <n>' argument .* is invalid\. expected a whole number from 1 to 9007199254740991/);
    }
    for (const bad of ['0', '9007199254740992', '-3']) {
      await expectUsage(['claim', parent, '--max', bad], /option '--max <n>' argument .* is invalid\. expected a whole number from 1 to 9007199254740991/);
    }
    await expectUsage(['claim', parent, '--id', '5', '--max', '3'], /--id 5 is outside the pool of --max 3 \(IDs 1 to 3\)/);
    // Nothing was created for any of them.
    const c = await newClient();
    expect(await c.exists(parent)).toBeNull();
  });

  it('the numeric environment variables go through the same parsers, naming the variable', async () => {
    for (const bad of ['2147483648', '1000000000000', '0', '1e3', 'ten']) {
      await expectUsage(['ls', '/'], /option '--session-timeout <ms>' value .* from env 'ZK_COORD_SESSION_TIMEOUT' is invalid\. expected a duration/, { ZK_COORD_SESSION_TIMEOUT: bad });
    }
    await expectUsage(['ls', '/'], /from env 'ZK_COORD_MAX_REQUEST_BYTES' is invalid\. expected a number of bytes from 1024 to 2147483647/, { ZK_COORD_MAX_REQUEST_BYTES: '1023' });
  });

  it('versions, ports, tick times and ensemble sizes', async () => {
    await expectUsage(['config', 'set', uniquePath('v'), 'x', '--version', '2147483648'], /expected a znode version from 0 to 2147483647/);
    await expectUsage(['config', 'rm', uniquePath('v'), '--yes', '--version', '-1'], /expected a znode version/);
    await expectUsage(['server', 'start', '--port', '70000'], /option '--port <port>' argument '70000' is invalid\. expected a port from 1 to 65535/);
    await expectUsage(['server', 'start', '--tick-time', '99999999999'], /expected a tickTime from 1ms to 1h/);
    await expectUsage(['server', 'start', '--ensemble', '10'], /expected a number of servers: 1 \(standalone\), or 3, 5, 7, 9/);
    await expectUsage(['server', 'start', '--port', '65535', '--ensemble', '3'], /needs ports up to 65537, past 65535/);
    await expectUsage(['lock', uniquePath('l'), '--limit', '0'], /expected a whole number from 1/);
  });
});

describe('targets that are not the user\'s', () => {
  it('/ and /zookeeper are refused as write and hold targets, with nothing created', async () => {
    const c = await newClient();
    const before = (await c.getChildren('/zookeeper')).children;
    await expectUsage(['claim', '/zookeeper'], /refusing to use \/zookeeper as the parent of the IDs: \/zookeeper is ZooKeeper's own subtree/);
    await expectUsage(['claim', '/'], /refusing to use \/ as the parent of the IDs/);
    await expectUsage(['lock', '/'], /refusing to use \/ as the lock node/);
    await expectUsage(['lock', '/zookeeper/quota'], /refusing to use \/zookeeper\/quota as the lock node/);
    await expectUsage(['elect', '/', 'x'], /refusing to use \/ as the election node/);
    await expectUsage(['elect', '/zookeeper/e', 'x'], /refusing to use \/zookeeper\/e/);
    await expectUsage(['config', 'set', '-e', '/zookeeper/x', 'v'], /refusing to use \/zookeeper\/x as an ephemeral node/);
    await expectUsage(['config', 'set', '/', 'v'], /refusing to use \/ as a configuration value/);
    await expectUsage(['register', 'api', '--port', '8000', '--base', '/zookeeper'], /refusing to use \/zookeeper as --base/);
    await expectUsage(['counter', 'set', '/', '5'], /refusing to use \/ as a counter/);
    await expectUsage(['counter', 'incr', '/zookeeper/n'], /refusing to use \/zookeeper\/n as a counter/);
    await expectUsage(['queue', 'push', '/zookeeper/q', 'x'], /refusing to use \/zookeeper\/q as a queue/);
    await expectUsage(['queue', 'work', '/', '--', 'true'], /refusing to use \/ as a queue/);
    await expectUsage(['barrier', '/zookeeper', '--count', '1'], /refusing to use \/zookeeper as the barrier node/);
    expect((await c.getChildren('/zookeeper')).children).toEqual(before);
  });
});

describe('messages', () => {
  it('control characters and bidi overrides in a path are escaped in the error, never raw', async () => {
    const esc = await runCli(['config', 'get', '/a\u001b[2Jb']);
    expect(esc.code).toBe(2);
    expect(esc.stderr).toContain('/a\\e[2Jb');
    expect(esc.stderr).not.toContain('\u001b');
    // U+202E is a valid znode name character: the lookup runs, and the not-found message shows it escaped.
    const bidi = await runCli(['config', 'get', `${uniquePath('x')}\u202egpj.exe`]);
    expect(bidi.code).toBe(5);
    expect(bidi.stderr).toContain('\\u202egpj.exe');
    expect(bidi.stderr).not.toContain('\u202e');
  });

  it('a chroot that does not exist is named', async () => {
    const chroot = uniquePath('chroot');
    for (const args of [['config', 'get', '/x'], ['ls', '/'], ['config', 'set', '/a/b', 'v', '-p']]) {
      const run = await runCli(args, { server: `${zkConnect()}${chroot}` });
      expect(run.code, args.join(' ')).toBe(5);
      expect(lines(run.stderr)).toEqual([expect.stringContaining(`the chroot ${chroot} of the connection string does not exist`)]);
    }
    // Once it exists, the chroot works and nothing is reported about it.
    const c = await newClient();
    await c.create(chroot);
    const missing = await runCli(['config', 'get', '/x'], { server: `${zkConnect()}${chroot}` });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('node does not exist: /x');
    expect(missing.stderr).not.toContain('chroot');
  });

  it('a malformed ZK_COORD_AUTH is one line, exit 2, and never echoes the value', async () => {
    for (const [value, why] of [['nocolon', 'no colon'], [':s3cretpw', 'the user name is empty'], ['user:', 'the password is empty'], [':', 'the user name is empty']] as const) {
      const run = await runCli(['ls', '/'], { env: { ZK_COORD_AUTH: value } });
      expect(run.code, value).toBe(2);
      expect(lines(run.stderr)).toEqual([`error: ZK_COORD_AUTH must be user:password (${why})`]);
    }
  });

  it('with -o json, the error is one JSON object on stderr (before and after connecting)', async () => {
    const missing = await runCli(['config', 'get', uniquePath('nope'), '-o', 'json']);
    expect(missing.code).toBe(5);
    expect(missing.stdout).toBe('');
    const parsed = JSON.parse(missing.stderr) as { error: string; exitCode: number };
    expect(parsed.exitCode).toBe(5);
    expect(parsed.error).toMatch(/^node does not exist/);
    const auth = await runCli(['ls', '/', '-o', 'json'], { env: { ZK_COORD_AUTH: 'nocolon' } });
    expect(JSON.parse(auth.stderr)).toEqual({ error: 'ZK_COORD_AUTH must be user:password (no colon)', exitCode: 2 });
  });

  it('every host refusing: a one-shot command fails at once with the hint (exit 3)', async () => {
    const refused = await new FakeServer('refuse').start();
    const started = Date.now();
    const run = await runCli(['ls', '/'], { server: refused.address });
    expect(run.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain(`cannot connect to ZooKeeper: ${refused.address} (ECONNREFUSED)`);
    expect(run.stderr).toContain('zk-coord server start');
    expect(run.stderr).toContain('-s/--server');
    expect(run.stderr).toContain('ZK_COORD_SERVER');
  });
});

describe('ls with nodes our credentials may not read', () => {
  it('lists what it can, marks the rest, and ends with exit 8 (not authorised)', async () => {
    const p = uniquePath('acl');
    const alice = await newClient({ digestAuth: 'alice:pw' });
    await alice.mkdirp(`${p}/open/deep`);
    await alice.create(`${p}/secret`, Buffer.from('s'), 'persistent', [{ scheme: 'auth', id: '', perms: 'cdrwa' }]);
    await alice.create(`${p}/secret/hidden`, Buffer.from('h'));
    const long = await runCli(['ls', p, '-s']);
    expect(long.code).toBe(8);
    const out = long.stdout.split('\n');
    expect(out[0]).toMatch(/^open {2}v0/);
    expect(out[1]).toMatch(/^secret {2}\[not authorised\] {2}v0 {2}1B$/);
    expect(long.stderr).toContain(`not authorised to read node ${p}/secret`);
    const tree = await runCli(['ls', p, '-R']);
    expect(tree.code).toBe(8);
    expect(tree.stdout.split('\n')).toEqual([`${p}/open`, `${p}/open/deep`, `${p}/secret  [not authorised]`]);
    const json = await runCli(['ls', p, '-R', '-o', 'json']);
    expect(json.code).toBe(8);
    const entries = json.stdout.split('\n').map((l) => JSON.parse(l) as { path: string; readable?: boolean });
    expect(entries.find((e) => e.path === `${p}/secret`)?.readable).toBe(false);
    // With the credentials, everything, exit 0; the unreadable node itself is exit 8.
    const withAuth = await runCli(['ls', p, '-R'], { env: { ZK_COORD_AUTH: 'alice:pw' } });
    expect(withAuth.code).toBe(0);
    expect(withAuth.stdout).toContain(`${p}/secret/hidden`);
    const direct = await runCli(['config', 'get', `${p}/secret`]);
    expect(direct.code).toBe(8);
  });
});

describe('server stop without --port', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zk-coord-stop-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ZK_COORD_STATE_DIR: dir };
  // Records of servers with no processes left: stopping them only forgets them (nothing is launched here).
  const record = (port: number): void => {
    mkdirSync(join(dir, 'servers'), { recursive: true });
    writeFileSync(join(dir, 'servers', `${port}.json`), JSON.stringify({ kind: 'java', ensemble: 1, connectString: `127.0.0.1:${port}`, baseDir: dir, startedAt: new Date().toISOString(), nodes: [] }));
  };

  it('none: exit 5; one: stops it; several: lists them (exit 2) unless --all', async () => {
    const none = await runCli(['server', 'stop'], { env });
    expect(none.code).toBe(5);
    expect(none.stderr).toContain('no ZooKeeper started by zk-coord');
    record(23001);
    const one = await runCli(['server', 'stop'], { env });
    expect(one.code).toBe(0);
    // Its processes are gone already (a record only): stopping it forgets it.
    expect(one.stderr).toContain('ZooKeeper 127.0.0.1:23001 was no longer running; forgot its state');
    record(23001);
    record(23002);
    const several = await runCli(['server', 'stop'], { env });
    expect(several.code).toBe(2);
    expect(several.stderr).toContain('2 ZooKeepers started by zk-coord run: --port 23001 (127.0.0.1:23001), --port 23002 (127.0.0.1:23002); say which with --port, or --all');
    expect(readdirSync(join(dir, 'servers'))).toHaveLength(2);
    const all = await runCli(['server', 'stop', '--all'], { env });
    expect(all.code).toBe(0);
    expect(readdirSync(join(dir, 'servers'))).toHaveLength(0);
  });
});
