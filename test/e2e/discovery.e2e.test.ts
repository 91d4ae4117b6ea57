import { afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { FaultProxy } from '../harness/fault-proxy.js';
import { closeClients, newClient, sleep, uniquePath, waitFor, zkConnect } from '../harness/zk.js';
import { zkCli } from '../harness/zkcli.js';
import { README_EXAMPLE, SPRING_CLOUD_REGISTRATION } from '../fixtures/curator-instances.js';
import type { ZkClient } from '../../src/zk/index.js';

const running: CliRun[] = [];
function start(args: string[], options: { server?: string } = {}): CliRun {
  const run = spawnCli(args, options);
  running.push(run);
  return run;
}

afterEach(async () => {
  await stopAll(running);
  await closeClients();
});

const owner = (stat: { ephemeralOwner: bigint } | null): string | undefined => (stat ? `0x${BigInt.asUintN(64, stat.ephemeralOwner).toString(16)}` : undefined);

describe('register and discover', () => {
  it('three instances: discover lists exactly three, sorted; SIGTERM one → gone for an observer within 200 ms', async () => {
    const base = uniquePath('services');
    const runs = [8001, 8002, 8003].map((port, i) => start(['register', 'api', '--base', base, '--port', String(port), '--address', '127.0.0.1', '--id', `api-${3 - i}`]));
    const ids = await Promise.all(runs.map((r) => r.waitForLine(/^api-\d$/)));
    expect(ids).toEqual(['api-3', 'api-2', 'api-1']);
    const listing = await runCli(['discover', 'api', '--base', base]);
    expect(listing.code).toBe(0);
    const rows = listing.stdout.split('\n').map((l) => l.split('  '));
    expect(rows.map((r) => r.slice(0, 2))).toEqual([
      ['127.0.0.1:8001', 'api-3'],
      ['127.0.0.1:8002', 'api-2'],
      ['127.0.0.1:8003', 'api-1'],
    ]);
    expect(new Date(rows[0]![2]!).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const services = await runCli(['discover', '--base', base]);
    expect(services.stdout).toBe('api  3 instances');

    const observer = await newClient();
    const sent = Date.now();
    runs[1]!.signal('SIGTERM');
    await waitFor(async () => (await observer.exists(`${base}/api/api-2`)) === null, 200, 'SIGTERM deregisters');
    expect(Date.now() - sent).toBeLessThan(250);
    expect(await runs[1]!.exited).toBe(0);
    expect((await observer.getChildren(`${base}/api`)).children).toEqual(['api-1', 'api-3']);
  });

  it('SIGINT deregisters too: gone for another client within 2 s, long before the session could expire; exit 0 after the clean release', async () => {
    const base = uniquePath('services');
    const observer = await newClient();
    // A session timeout far past the bound: the node can only go that fast if zk-coord deletes it.
    const run = start(['--session-timeout', '8000', 'register', 'api', '--base', base, '--port', '8001', '--address', '127.0.0.1', '--id', 'int']);
    await run.waitForLine(/^int$/);
    expect(await observer.exists(`${base}/api/int`)).not.toBeNull();
    const sent = Date.now();
    run.signal('SIGINT');
    await waitFor(async () => (await observer.exists(`${base}/api/int`)) === null, 2000, 'SIGINT deregisters');
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(await run.exited).toBe(0);
    expect(run.stderr.filter((l) => l.startsWith('error:') || l.startsWith('warning:'))).toEqual([]);
  });

  it('SIGKILL: the instance goes only when the session expires', async () => {
    const base = uniquePath('services');
    const observer = await newClient();
    const victim = start(['--session-timeout', '2000', 'register', 'api', '--base', base, '--port', '8001', '--address', '127.0.0.1', '--id', 'k']);
    await victim.waitForLine(/^k$/);
    const killedAt = Date.now();
    victim.signal('SIGKILL');
    await sleep(500);
    expect(await observer.exists(`${base}/api/k`)).not.toBeNull();
    await waitFor(async () => (await observer.exists(`${base}/api/k`)) === null, 8000, 'expiry');
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1000);
  });

  it('JSON: the instance as Curator expects it (field names, order and types of a Curator/Spring Cloud registration), stored exactly so', async () => {
    const base = uniquePath('services');
    const run = start(['-o', 'json', 'register', 'api', '--base', base, '--port', '8080', '--ssl-port', '8443', '--address', '10.0.0.7', '--payload', '{"@class":"com.example.Meta","zone":"a"}', '--uri-spec', '{scheme}://{address}:{port}']);
    const printed = JSON.parse(await run.waitForLine(/^\{/)) as Record<string, unknown>;
    // Jackson's field order of ServiceInstance (before CURATOR-275's `enabled`), as the Spring Cloud fixture.
    expect(Object.keys(printed)).toEqual(Object.keys(SPRING_CLOUD_REGISTRATION));
    for (const [key, example] of Object.entries(SPRING_CLOUD_REGISTRATION)) {
      if (example === null) continue;
      expect(typeof printed[key], key).toBe(typeof example);
    }
    expect(Number.isInteger(printed.port) && Number.isInteger(printed.sslPort) && Number.isInteger(printed.registrationTimeUTC)).toBe(true);
    expect(printed).toMatchObject({ name: 'api', address: '10.0.0.7', port: 8080, sslPort: 8443, serviceType: 'DYNAMIC', payload: { '@class': 'com.example.Meta', zone: 'a' } });
    expect(printed.uriSpec).toEqual(SPRING_CLOUD_REGISTRATION.uriSpec);
    expect(printed.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Stored as printed, in an ephemeral node of this session.
    const c = await newClient();
    const { data, stat } = await c.getData(`${base}/api/${printed.id as string}`);
    expect(JSON.parse(data.toString())).toEqual(printed);
    expect(stat.ephemeralOwner).not.toBe(0n);
    const listed = await runCli(['discover', 'api', '--base', base, '-o', 'json']);
    expect(JSON.parse(listed.stdout)).toEqual([printed]);
  });

  it("lists instances written by another client in Curator's exact JSON (zkCli), and invalid data as such", async () => {
    const base = uniquePath('services');
    const c = await newClient();
    await c.mkdirp(`${base}/test`);
    await zkCli(['create', `${base}/test/${README_EXAMPLE.id}`, JSON.stringify(README_EXAMPLE)]);
    await zkCli(['create', `${base}/test/${SPRING_CLOUD_REGISTRATION.id}`, JSON.stringify(SPRING_CLOUD_REGISTRATION)]);
    await c.create(`${base}/test/broken`, Buffer.from('not json'));
    await c.create(`${base}/test/no-name`, Buffer.from('{"id":"x","port":1}'));
    expect(JSON.parse((await c.getData(`${base}/test/${README_EXAMPLE.id}`)).data.toString())).toEqual(README_EXAMPLE);
    const text = await runCli(['discover', 'test', '--base', base]);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')).toEqual([
      `10.20.14.30:52930  ${SPRING_CLOUD_REGISTRATION.id}  2021-08-12T06:34:00.704Z`,
      `10.20.30.40:1234  ${README_EXAMPLE.id}  2011-12-29T03:30:59.728Z  STATIC`,
      '(invalid)  broken  not JSON',
      '(invalid)  no-name  "name" is not a string',
    ]);
    const json = await runCli(['discover', 'test', '--base', base, '-o', 'json']);
    expect(JSON.parse(json.stdout)).toEqual([SPRING_CLOUD_REGISTRATION, README_EXAMPLE]);
    expect(json.stderr).toContain(`${base}/test/broken is not a valid ServiceInstance: not JSON`);
    // --random only ever picks a valid instance.
    for (let i = 0; i < 5; i += 1) {
      expect(['10.20.14.30:52930', '10.20.30.40:1234']).toContain((await runCli(['discover', 'test', '--base', base, '--random'])).stdout);
    }
  });

  it('--random: one address:port of a live instance; exit 5 when there is none', async () => {
    const base = uniquePath('services');
    expect((await runCli(['discover', 'api', '--base', base, '--random'])).code).toBe(5);
    const a = start(['register', 'api', '--base', base, '--port', '8001', '--address', '127.0.0.1']);
    const b = start(['register', 'api', '--base', base, '--port', '8002', '--address', '127.0.0.1']);
    await Promise.all([a.waitForLine(/^[0-9a-f-]{36}$/), b.waitForLine(/^[0-9a-f-]{36}$/)]);
    const seen = new Set<string>();
    for (let i = 0; i < 8 && seen.size < 2; i += 1) seen.add((await runCli(['discover', 'api', '--base', base, '--random'])).stdout);
    expect(seen).toEqual(new Set(['127.0.0.1:8001', '127.0.0.1:8002']));
  });

  it('runs the command while registered, with its environment, and exits with its code; the instance is gone after', async () => {
    const base = uniquePath('services');
    const r = await runCli(['register', 'api', '--base', base, '--port', '8001', '--address', '127.0.0.1', '--id', 'w1', '--', 'sh', '-c', 'echo "$ZK_COORD_SERVICE|$ZK_COORD_INSTANCE_ID|$ZK_COORD_PATH|$ZK_COORD_SESSION"; exit 3']);
    expect(r.code).toBe(3);
    // stdout is the command's alone; the id line is on stderr.
    expect(r.stdout.split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('registered instance w1');
    const [service, instance, path, session] = r.stdout.split('|');
    expect([service, instance, path]).toEqual(['api', 'w1', `${base}/api/w1`]);
    expect(session).toMatch(/^0x[0-9a-f]+$/);
    const c = await newClient();
    expect(await c.exists(`${base}/api/w1`)).toBeNull();
  });

  it('the same id held by another live session: exit 6, never overwritten', async () => {
    const base = uniquePath('services');
    const first = start(['register', 'api', '--base', base, '--port', '8001', '--address', '127.0.0.1', '--id', 'dup']);
    await first.waitForLine(/^dup$/);
    const c = await newClient();
    const before = await c.getData(`${base}/api/dup`);
    const second = await runCli(['register', 'api', '--base', base, '--port', '9999', '--address', '127.0.0.1', '--id', 'dup', '--', 'sh', '-c', 'echo ran']);
    expect(second.code).toBe(6);
    expect(second.stdout).toBe('');
    expect(second.stderr).toMatch(/registered by another live session 0x[0-9a-f]+/);
    const after = await c.getData(`${base}/api/dup`);
    expect(after.data.equals(before.data) && after.stat.mzxid === before.stat.mzxid && after.stat.czxid === before.stat.czxid).toBe(true);
  });

  it.each([
    ['a slash in the service', ['a/b', '--port', '1']],
    ['an empty service', ['', '--port', '1']],
    ['"." as the service', ['.', '--port', '1']],
    ['".." as the id', ['api', '--port', '1', '--id', '..']],
    ['port 0', ['api', '--port', '0']],
    ['port 65536', ['api', '--port', '65536']],
    ['no port', ['api']],
    ['a payload that is not JSON', ['api', '--port', '1', '--payload', '{x']],
    ['a base that is not a path', ['api', '--port', '1', '--base', 'services']],
    ['a base ending in /', ['api', '--port', '1', '--base', '/services/']],
  ])('bad input (%s): one-line error, exit 2, nothing created', async (_what, args) => {
    const base = uniquePath('services');
    const withBase = args.includes('--base') ? args : [...args, '--base', base];
    const r = await runCli(['register', ...withBase]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    const c = await newClient();
    expect(await c.exists(base)).toBeNull();
    expect(await c.exists('/services/api')).toBeNull();
  });

  it('discover rejects a bad service or base with exit 2', async () => {
    expect((await runCli(['discover', 'a/b'])).code).toBe(2);
    expect((await runCli(['discover', 'api', '--base', 'x'])).code).toBe(2);
    expect((await runCli(['discover', '--watch'])).code).toBe(2);
  });
});

/** A service `api` under a fresh base with one instance, `a`, and how to make the data of another. */
async function serviceWithOneInstance(): Promise<{ base: string; c: ZkClient; data: (id: string) => Buffer }> {
  const base = uniquePath('services');
  const c = await newClient();
  await c.mkdirp(`${base}/api`);
  const data = (id: string): Buffer => Buffer.from(JSON.stringify({ name: 'api', id, address: '127.0.0.1', port: 1, serviceType: 'DYNAMIC' }));
  await c.create(`${base}/api/a`, data('a'), 'ephemeral');
  return { base, c, data };
}

describe('discover --watch', () => {
  it('20 joins and leaves in a burst: every event is consistent and the final set printed equals the real one', async () => {
    const base = uniquePath('services');
    const c = await newClient();
    await c.mkdirp(`${base}/api`);
    await c.create(`${base}/api/seed`, Buffer.from(JSON.stringify({ ...README_EXAMPLE, name: 'api', id: 'seed' })), 'ephemeral');
    const watch = start(['discover', 'api', '--base', base, '--watch', '-o', 'json']);
    const initial = JSON.parse(await watch.waitForLine(/"event":"initial"/)) as { instances: Array<{ id: string }> };
    expect(initial.instances.map((i) => i.id)).toEqual(['seed']);
    const node = (i: number): { path: string; data: Buffer } => ({
      path: `${base}/api/i${i}`,
      data: Buffer.from(JSON.stringify({ name: 'api', id: `i${i}`, address: '127.0.0.1', port: 9000 + i, registrationTimeUTC: Date.now(), serviceType: 'DYNAMIC' })),
    });
    // 20 joins, 9 of them leaving again at once, the seed leaving, one instance changing its data.
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.create(node(i).path, node(i).data, 'ephemeral')));
    await Promise.all([...Array.from({ length: 9 }, (_, i) => c.remove(node(i * 2).path)), c.remove(`${base}/api/seed`), c.setData(node(1).path, Buffer.from(JSON.stringify({ name: 'api', id: 'i1', address: '127.0.0.2', port: 1 })))]);
    const real = (await c.getChildren(`${base}/api`)).children;
    expect(real).toHaveLength(11);
    const replay = (): { set: Set<string>; address: Map<string, string> } => {
      const set = new Set<string>(['seed']);
      const address = new Map<string, string>();
      for (const line of watch.stdout.filter((l) => /"event":"(joined|left|changed)"/.test(l))) {
        const e = JSON.parse(line) as { event: string; id: string; instance: { address: string } };
        if (e.event === 'joined') expect(set.has(e.id), `joined twice: ${e.id}`).toBe(false), set.add(e.id);
        if (e.event === 'left') expect(set.delete(e.id), `left without joining: ${e.id}`).toBe(true);
        if (e.event === 'changed') expect(set.has(e.id)).toBe(true);
        if (e.event !== 'left') address.set(e.id, e.instance.address);
      }
      return { set, address };
    };
    // The set and i1's new data arrive by different watches (children, then i1's data): wait for both.
    await waitFor(() => [...replay().set].sort().join() === [...real].sort().join(), 10_000, 'the watcher reaching the real set');
    await waitFor(() => replay().address.get('i1') === '127.0.0.2', 10_000, "the watcher printing i1's new address");
    expect(replay().address.get('i1')).toBe('127.0.0.2');
  });

  it('text: the current set, then joined and left lines as instances come and go', async () => {
    const base = uniquePath('services');
    const watch = start(['discover', 'api', '--base', base, '--watch']);
    await watch.waitForLine(/no instances of .* yet; watching/, 10_000, 'stderr');
    const reg = start(['register', 'api', '--base', base, '--port', '8001', '--address', '127.0.0.1', '--id', 'one']);
    expect(await watch.waitForLine(/^joined/)).toMatch(/^joined +127\.0\.0\.1:8001  one  /);
    reg.signal('SIGTERM');
    expect(await watch.waitForLine(/^left/)).toMatch(/^left +127\.0\.0\.1:8001  one  /);
  });

  it('survives a lost session and reports what changed meanwhile', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const { base, c, data } = await serviceWithOneInstance();
      const watch = start(['--session-timeout', '2000', 'discover', 'api', '--base', base, '--watch', '-o', 'json'], { server: proxy.connectString });
      await watch.waitForLine(/"event":"initial"/);
      proxy.setMode('blackhole');
      await c.create(`${base}/api/b`, data('b'), 'ephemeral');
      await c.remove(`${base}/api/a`);
      await watch.waitForLine(/building a new session/, 10_000, 'stderr');
      proxy.setMode('pass');
      const joined = JSON.parse(await watch.waitForLine(/"event":"joined"/, 15_000)) as { id: string; resync: boolean };
      const left = JSON.parse(await watch.waitForLine(/"event":"left"/, 15_000)) as { id: string; resync: boolean };
      expect([joined.id, joined.resync, left.id, left.resync]).toEqual(['b', true, 'a', true]);
    } finally {
      await proxy.stop();
    }
  });

  it('keeps its session through a short disconnection: what changed meanwhile arrives once, no resync, no new session', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const { base, c, data } = await serviceWithOneInstance();
      const watch = start(['--session-timeout', '8000', 'discover', 'api', '--base', base, '--watch', '-o', 'json'], { server: proxy.connectString });
      await watch.waitForLine(/"event":"initial"/);
      // Cut well inside the 8 s session: the client reconnects with the same session and its watches.
      proxy.setMode('refuse');
      await watch.waitForLine(/connection to .* lost/, 10_000, 'stderr');
      await c.create(`${base}/api/b`, data('b'), 'ephemeral');
      proxy.setMode('pass');
      const joined = JSON.parse(await watch.waitForLine(/"event":"joined"/, 15_000)) as { id: string; resync?: boolean };
      expect(joined.id).toBe('b');
      expect(joined.resync).not.toBe(true);
      await sleep(500);
      expect(watch.stdout.filter((l) => l.includes('"event":"joined"'))).toHaveLength(1);
      expect(watch.stdout.filter((l) => l.includes('"event":"left"'))).toEqual([]);
      expect(watch.stderr.join('\n')).not.toMatch(/building a new session/);
      // Still live after it: a later leave is reported.
      await c.remove(`${base}/api/a`);
      expect(JSON.parse(await watch.waitForLine(/"event":"left"/, 10_000))).toMatchObject({ id: 'a' });
    } finally {
      await proxy.stop();
    }
  });
});

describe('register under faults', () => {
  it('after a lost session it registers again with the same id and a new session; the command keeps running', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const base = uniquePath('services');
      const observer = await newClient();
      const run = start(['--session-timeout', '2000', 'register', 'api', '--base', base, '--port', '8001', '--address', '127.0.0.1', '--id', 'r1', '--', 'sh', '-c', 'echo "child $$"; while :; do sleep 0.05; done'], {
        server: proxy.connectString,
      });
      await run.waitForLine(/^registered instance r1$/, 15_000, 'stderr');
      const child = Number((await run.waitForLine(/^child \d+$/)).split(' ')[1]);
      const first = owner(await observer.exists(`${base}/api/r1`));
      proxy.setMode('blackhole');
      await run.waitForLine(/taking it again \(the command keeps running\)/, 10_000, 'stderr');
      proxy.setMode('pass');
      await run.waitForLine(/registered .*r1 again with session/, 15_000, 'stderr');
      const again = owner(await observer.exists(`${base}/api/r1`));
      expect(again).toBeDefined();
      expect(again).not.toBe(first);
      // The same command, never restarted.
      expect(() => process.kill(child, 0)).not.toThrow();
      expect(run.stdout.filter((l) => l.startsWith('child '))).toHaveLength(1);
      expect(run.running).toBe(true);
      run.signal('SIGTERM');
      expect(await run.exited).toBe(143);
      expect(await observer.exists(`${base}/api/r1`)).toBeNull();
    } finally {
      await proxy.stop();
    }
  });

  it('--once: a lost session stops the command and exits 4', async () => {
    const proxy = await new FaultProxy(Number(zkConnect().split(':')[1])).start();
    try {
      const base = uniquePath('services');
      const run = start(['--session-timeout', '2000', 'register', 'api', '--base', base, '--port', '8001', '--address', '127.0.0.1', '--once', '--', 'sh', '-c', 'echo up; while :; do sleep 0.05; done'], {
        server: proxy.connectString,
      });
      await run.waitForLine(/^up$/);
      proxy.setMode('blackhole');
      expect(await run.exited).toBe(4);
      expect(run.stderr.join('\n')).toMatch(/command stopped/);
    } finally {
      await proxy.stop();
    }
  });
});
