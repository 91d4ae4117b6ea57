import { execFileSync } from 'node:child_process';
import { createServer, Socket, type Server } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { freePort } from '../../src/server/launcher.js';
import { closeClients, newClient, sleep, uniquePath, waitFor } from '../harness/zk.js';

/** Holders answer over HTTP (--http): state, probes by status code, events, Prometheus metrics. */
const running: CliRun[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await stopAll(running);
});
afterAll(closeClients);

function start(args: string[]): CliRun {
  const run = spawnCli(args);
  running.push(run);
  return run;
}

const url = (port: number, path: string): string => `http://127.0.0.1:${port}${path}`;
const status = async (port: number, path: string, method = 'GET'): Promise<number> => (await fetch(url(port, path), { method })).status;
const answering = (port: number): Promise<boolean> => waitFor(async () => (await fetch(url(port, '/')).then((r) => r.ok, () => false)) || undefined, 10_000, `port ${port} answering`);

describe('--http', () => {
  it('claim: /id and /sequence give each claimer its number; /leader 200; HEAD without a body; POST 405; unknown path 404', async () => {
    const parent = uniquePath('seq');
    const ports = [await freePort(), await freePort()];
    for (const port of ports) {
      start(['claim', parent, '--http', String(port)]);
      await answering(port);
      await waitFor(async () => (await status(port, '/id')) === 200 || undefined, 10_000, 'ID held');
    }
    const ids = await Promise.all(ports.map(async (p) => (await (await fetch(url(p, '/sequence'))).text()).trim()));
    expect(ids.sort()).toEqual(['1', '2']);
    for (const port of ports) expect((await (await fetch(url(port, '/id'))).text()).trim()).toBe((await (await fetch(url(port, '/sequence'))).text()).trim());
    expect(await status(ports[0]!, '/leader')).toBe(200);
    expect(await status(ports[0]!, '/follower')).toBe(503);
    expect(await status(ports[0]!, '/health')).toBe(200);
    const head = await fetch(url(ports[0]!, '/health'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(await status(ports[0]!, '/', 'POST')).toBe(405);
    expect(await status(ports[0]!, '/nope')).toBe(404);
    const state = (await (await fetch(url(ports[0]!, '/'))).json()) as Record<string, unknown>;
    expect(state).toMatchObject({ recipe: 'claim', path: parent, role: 'holder', connection: 'connected' });
    expect(JSON.stringify(state)).not.toMatch(/password|digest|auth/i);
  });

  it('elect: /leader 200/503, the switch after failover within 1 s, /events delivers it, /metrics passes promtool with the leader gauge 1 and 0', async () => {
    const path = uniquePath('httpelect');
    const [pa, pb] = [await freePort(), await freePort()];
    const a = start(['elect', path, 'A', '--http', String(pa)]);
    await answering(pa);
    await waitFor(async () => (await status(pa, '/leader')) === 200 || undefined, 10_000, 'A leads');
    start(['elect', path, 'B', '--http', String(pb)]);
    await answering(pb);
    await waitFor(async () => (await status(pb, '/follower')) === 200 || undefined, 10_000, 'B follows');
    expect(await status(pb, '/leader')).toBe(503);
    const metrics = await Promise.all([pa, pb].map(async (p) => (await fetch(url(p, '/metrics'))).text()));
    for (const text of metrics) execFileSync('promtool', ['check', 'metrics'], { input: text });
    expect(metrics[0]).toMatch(new RegExp(`^leader_election_master_status\\{name="${path}"\\} 1$`, 'm'));
    expect(metrics[1]).toMatch(new RegExp(`^leader_election_master_status\\{name="${path}"\\} 0$`, 'm'));
    expect(metrics[1]).toMatch(/^zk_coord_connection_state\{state="connected"\} 1$/m);

    const events: { id: number; data: Record<string, unknown> }[] = [];
    const stream = await fetch(url(pb, '/events'));
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = stream.body!.getReader();
    void (async () => {
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += new TextDecoder().decode(value);
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(frame);
          const data = /^data: (.*)$/m.exec(frame);
          if (id && data) events.push({ id: Number(id[1]), data: JSON.parse(data[1]!) as Record<string, unknown> });
        }
      }
    })();
    await waitFor(() => events.length >= 1 || undefined, 5000, 'state at connect');
    expect(events[0]!.data).toMatchObject({ role: 'follower', leader: 'A' });
    a.signal('SIGTERM');
    const at = Date.now();
    await waitFor(async () => (await status(pb, '/leader')) === 200 || undefined, 5000, 'B leads');
    expect(Date.now() - at).toBeLessThan(1000);
    await waitFor(() => events.some((e) => e.data.role === 'leader') || undefined, 5000, 'event of the failover');
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    // De-duplicated: no two consecutive events say the same thing.
    for (let i = 1; i < events.length; i += 1) expect({ ...events[i]!.data, sequence: 0, lastContactMs: 0 }).not.toEqual({ ...events[i - 1]!.data, sequence: 0, lastContactMs: 0 });
    await reader.cancel();
    const after = await (await fetch(url(pb, '/metrics'))).text();
    expect(after).toMatch(new RegExp(`^leader_election_master_status\\{name="${path}"\\} 1$`, 'm'));
  });

  it('lock: /leader 200 for the holder, 503 for a waiter; elect --observe: the leader\'s name, /leader 503, /health 200', async () => {
    const path = uniquePath('httplock');
    const [ph, pw, po] = [await freePort(), await freePort(), await freePort()];
    start(['lock', path, '--name', 'H', '--http', String(ph)]);
    await answering(ph);
    await waitFor(async () => (await status(ph, '/leader')) === 200 || undefined, 10_000, 'holder');
    start(['lock', path, '--name', 'W', '--http', String(pw)]);
    await answering(pw);
    await waitFor(async () => ((await (await fetch(url(pw, '/'))).json()) as { role: string }).role === 'waiting' || undefined, 10_000, 'waiter');
    expect(await status(pw, '/leader')).toBe(503);
    expect(await status(pw, '/follower')).toBe(200);
    const election = uniquePath('httpobserve');
    start(['elect', election, 'E']);
    start(['elect', election, '--observe', '--http', String(po)]);
    await answering(po);
    const view = await waitFor(async () => {
      const state = (await (await fetch(url(po, '/'))).json()) as { role: string; leader: string | null };
      return state.leader === 'E' ? state : undefined;
    }, 10_000, 'observer sees E');
    expect(view.role).toBe('observer');
    expect(await status(po, '/leader')).toBe(503);
    expect(await status(po, '/health')).toBe(200);
    const pr = await freePort();
    const base = uniquePath('services');
    start(['register', 'api', '--port', '8001', '--base', base, '--http', String(pr)]);
    await answering(pr);
    const registered = await waitFor(async () => {
      const state = (await (await fetch(url(pr, '/'))).json()) as { role: string; recipe: string; node: string | null };
      return state.role === 'holder' ? state : undefined;
    }, 10_000, 'registered');
    expect(registered.recipe).toBe('register');
    expect(registered.node).toMatch(new RegExp(`^${base}/api/`));
    expect(await status(pr, '/leader')).toBe(200);
  });

  it('a port in use: exit 2, nothing created', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const parent = uniquePath('inuse');
      const result = await runCli(['claim', parent, '--http', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/port is in use/);
      expect(result.stdout).toBe('');
      const zk = await newClient();
      expect(await zk.exists(parent)).toBeNull();
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('100 idle connections do not delay SIGTERM\'s release beyond 500 ms', async () => {
    const parent = uniquePath('idle');
    const port = await freePort();
    const claim = start(['claim', parent, '--http', String(port)]);
    await answering(port);
    await waitFor(() => claim.stdout.length > 0 || undefined, 10_000, 'claimed');
    for (let i = 0; i < 100; i += 1) {
      const socket = new Socket();
      socket.on('error', () => undefined);
      socket.connect(port, '127.0.0.1');
      sockets.push(socket);
    }
    // Half-sent requests too: headers that never end.
    for (const s of sockets.slice(0, 50)) s.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await sleep(200);
    expect(await status(port, '/id')).toBe(200);
    const zk = await newClient();
    expect((await zk.getChildren(parent)).children).toHaveLength(1);
    claim.signal('SIGTERM');
    const at = Date.now();
    await waitFor(async () => (await zk.getChildren(parent)).children.length === 0 || undefined, 5000, 'released');
    expect(Date.now() - at).toBeLessThanOrEqual(500);
    expect(await claim.exited).toBe(0);
  });

  it('past 128 connections the rest are turned away, half-sent headers are dropped after 5 s, and a failover under that load takes under 1 s', async () => {
    const path = uniquePath('flood');
    const [pa, pb] = [await freePort(), await freePort()];
    const a = start(['elect', path, 'A', '--http', String(pa)]);
    await answering(pa);
    await waitFor(async () => (await status(pa, '/leader')) === 200 || undefined, 10_000, 'A leads');
    start(['elect', path, 'B', '--http', String(pb)]);
    await waitFor(async () => (await status(pb, '/follower').catch(() => 0)) === 200 || undefined, 10_000, 'B follows');
    let closedByServer = 0;
    for (let i = 0; i < 140; i += 1) {
      const socket = new Socket();
      socket.on('error', () => undefined);
      socket.on('close', () => (closedByServer += 1));
      // Read what comes (the server's 408): a paused socket never sees the end, so never 'close'.
      socket.resume();
      socket.connect(pa, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n'));
      sockets.push(socket);
    }
    // The cap: the 12 over 128 are closed at once; the others wait for their header timeout.
    await waitFor(() => closedByServer >= 12 || undefined, 3000, 'connections over the cap closed');
    expect(closedByServer).toBeLessThan(140);
    await waitFor(() => closedByServer === 140 || undefined, 9000, 'half-sent requests dropped after the header timeout');
    expect(await status(pa, '/leader')).toBe(200);

    // 100 idle connections on each while A goes: B leads within a second.
    for (const port of [pa, pb]) {
      for (let i = 0; i < 100; i += 1) {
        const socket = new Socket();
        socket.on('error', () => undefined);
        socket.connect(port, '127.0.0.1');
        sockets.push(socket);
      }
    }
    await sleep(200);
    a.signal('SIGTERM');
    const at = Date.now();
    await waitFor(async () => (await status(pb, '/leader').catch(() => 0)) === 200 || undefined, 5000, 'B leads');
    expect(Date.now() - at).toBeLessThan(1000);
    expect(await a.exited).toBe(0);
  });
});
