import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { proxyToServer, stopProxies } from '../harness/fault-proxy.js';
import { inTerminal, killTerminals, type Terminal } from '../harness/terminal.js';
import { closeClients, newClient, uniquePath, waitFor, zkConnect } from '../harness/zk.js';

const stateDir = mkdtempSync(join(tmpdir(), 'zk-coord-shell-state-'));
afterEach(async () => {
  killTerminals();
  await closeClients();
  await stopProxies();
});
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

// eslint-disable-next-line no-control-regex
const instance = (id: string, port: number): Buffer =>
  Buffer.from(JSON.stringify({ name: 'api', id, address: '10.0.0.1', port, sslPort: null, payload: null, registrationTimeUTC: 1700000000000, serviceType: 'DYNAMIC', uriSpec: null }));
const plain = (text: string): string => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

function openShell(args: string[] = [], server = zkConnect()): Terminal & { prompts: () => number; after: (mark: number) => string } {
  const term = inTerminal(['shell', ...args], { env: { ZK_COORD_SERVER: server, ZK_COORD_STATE_DIR: stateDir } });
  return {
    ...term,
    prompts: () => plain(term.output()).split(' connected> ').length - 1,
    after: (mark) => plain(term.output()).slice(mark),
  };
}

const prompt = (server = zkConnect()): string => `zk ${server} connected> `;

describe('zk-coord shell on a terminal', () => {
  it('shows the prompt; Tab completes a unique child and lists several; ephemeral nodes live until quit', async () => {
    const p = uniquePath('tab');
    const c = await newClient();
    await c.create(p);
    await c.create(`${p}/unique-child`, Buffer.from('u'));
    await c.create(`${p}/many-1`);
    await c.create(`${p}/many-2`);
    const sh = openShell();
    await waitFor(() => plain(sh.output()).includes(prompt()), 15_000, 'the prompt');
    sh.type(`get ${p}/uni\t`);
    await waitFor(() => plain(sh.output()).includes(`get ${p}/unique-child`), 10_000, 'the completed path');
    sh.type('\r');
    await waitFor(() => plain(sh.output()).split('\n').some((l) => l.trim() === 'u'), 10_000, 'the value');
    sh.type(`ls ${p}/ma\t`);
    await waitFor(() => plain(sh.output()).includes(`ls ${p}/many-`), 10_000, 'the common prefix');
    sh.type('\t');
    await waitFor(() => plain(sh.output()).includes(`${p}/many-1`) && plain(sh.output()).includes(`${p}/many-2`), 10_000, 'the listed candidates');
    sh.type('\u0015'); // Ctrl+U: drop the half-typed line
    sh.type(`create -e ${p}/eph held\r`);
    await waitFor(() => plain(sh.output()).includes(`Created ${p}/eph`), 10_000, 'created');
    expect(await c.exists(`${p}/eph`)).not.toBeNull();
    sh.type('quit\r');
    expect(await sh.exited).toBe(0);
    expect(await c.exists(`${p}/eph`)).toBeNull();
  });

  it('get -w prints the event above the prompt when another client sets the value', async () => {
    const p = uniquePath('watch');
    const c = await newClient();
    await c.create(p, Buffer.from('db_port=5432'));
    const sh = openShell();
    await waitFor(() => sh.prompts() >= 1, 15_000, 'the prompt');
    sh.type(`get -w ${p}\r`);
    await waitFor(() => /db_port=5432\s*\n.*connected> /.test(plain(sh.output())), 10_000, 'the value and the next prompt');
    await c.setData(p, Buffer.from('db_port=5433'));
    await waitFor(() => plain(sh.output()).includes(`WatchedEvent state:SyncConnected type:NodeDataChanged path:${p}`), 10_000, 'the event');
    // The prompt is drawn again below the event, and the session goes on.
    sh.type(`get ${p}\r`);
    await waitFor(() => plain(sh.output()).includes('db_port=5433'), 10_000, 'the new value');
    sh.type('\u0004'); // Ctrl+D
    expect(await sh.exited).toBe(0);
  });

  it('Ctrl+C stops config watch and ls -w, and the prompt returns; Ctrl+C at the prompt does not quit; Ctrl+D does', async () => {
    const p = uniquePath('stream');
    const c = await newClient();
    await c.create(p, Buffer.from('v0'));
    const sh = openShell();
    await waitFor(() => sh.prompts() >= 1, 15_000, 'the prompt');
    sh.type(`config watch ${p}\r`);
    await waitFor(() => plain(sh.output()).includes(`initial  ${p}  version 0`), 10_000, 'the initial value');
    await c.setData(p, Buffer.from('v1'));
    await waitFor(() => plain(sh.output()).includes(`changed  ${p}  version 1`), 10_000, 'the change');
    const before = plain(sh.output()).length;
    sh.type('\u0003');
    await waitFor(() => sh.after(before).includes(' connected> '), 10_000, 'the prompt after Ctrl+C');
    sh.type(`ls -w ${p}\r`);
    await waitFor(() => plain(sh.output()).includes(`${p}: 0 children`), 10_000, 'the children');
    await c.create(`${p}/kid`);
    await waitFor(() => plain(sh.output()).includes('added    kid'), 10_000, 'the added child');
    const again = plain(sh.output()).length;
    sh.type('\u0003');
    await waitFor(() => sh.after(again).includes(' connected> '), 10_000, 'the prompt after Ctrl+C');
    sh.type('\u0003');
    sh.type('whoami\r');
    await waitFor(() => plain(sh.output()).includes('state: connected'), 10_000, 'the shell still answering');
    sh.type('\u0004');
    expect(await sh.exited).toBe(0);
  });

  it('discover --watch streams joins until Ctrl+C, and the prompt returns', async () => {
    const base = uniquePath('tty-services');
    const c = await newClient();
    await c.create(base);
    await c.create(`${base}/api`);
    await c.create(`${base}/api/i1`, instance('i1', 8080));
    const sh = openShell();
    await waitFor(() => sh.prompts() >= 1, 15_000, 'the prompt');
    sh.type(`discover api --base ${base} --watch\r`);
    await waitFor(() => /10\.0\.0\.1:8080\s+i1/.test(plain(sh.output())), 10_000, 'the initial instance');
    await c.create(`${base}/api/i2`, instance('i2', 8081));
    await waitFor(() => /10\.0\.0\.1:8081\s+i2/.test(plain(sh.output())), 10_000, 'the joining instance');
    const before = plain(sh.output()).length;
    sh.type('\u0003');
    await waitFor(() => sh.after(before).includes(' connected> '), 10_000, 'the prompt after Ctrl+C');
    sh.type('\u0004');
    expect(await sh.exited).toBe(0);
  });

  it('history is recalled after a restart (Up, Enter)', async () => {
    const p = uniquePath('history');
    const c = await newClient();
    await c.create(p, Buffer.from('remembered'));
    const first = openShell();
    await waitFor(() => first.prompts() >= 1, 15_000, 'the prompt');
    first.type(`get ${p}\r`);
    await waitFor(() => plain(first.output()).includes('remembered'), 10_000, 'the result');
    first.type('quit\r');
    expect(await first.exited).toBe(0);
    const second = openShell();
    await waitFor(() => second.prompts() >= 1, 15_000, 'the prompt');
    second.type('\u001b[A'); // quit
    await waitFor(() => plain(second.output()).includes('connected> quit'), 10_000, 'the last line');
    second.type('\u001b[A');
    await waitFor(() => plain(second.output()).includes(`get ${p}`), 10_000, 'the recalled line');
    second.type('\r');
    await waitFor(() => plain(second.output()).split('\n').some((l) => l.trim() === 'remembered'), 10_000, 'its result');
    second.type('quit\r');
    expect(await second.exited).toBe(0);
  });

  it('the prompt shows suspended during a partition, and connected again after', async () => {
    const proxy = await proxyToServer();
    const sh = openShell(['--session-timeout', '6000'], proxy.connectString);
    await waitFor(() => sh.prompts() >= 1, 15_000, 'the prompt');
    const mark = plain(sh.output()).length;
    proxy.setMode('blackhole');
    await waitFor(() => sh.after(mark).includes(`zk ${proxy.connectString} suspended> `), 15_000, 'the suspended prompt');
    // Reset the silent connections (a reconnect attempt may already hang in the partition), then heal.
    proxy.setMode('refuse');
    proxy.setMode('pass');
    await waitFor(() => sh.after(mark).split('suspended> ').at(-1)?.includes(' connected> '), 15_000, 'connected again');
    sh.type('quit\r');
    expect(await sh.exited).toBe(0);
  }, 60_000);

  it('after a lost session the prompt says lost; the next command opens a new session and says so', async () => {
    const proxy = await proxyToServer();
    const p = uniquePath('lost');
    const sh = openShell(['--session-timeout', '2000'], proxy.connectString);
    await waitFor(() => sh.prompts() >= 1, 15_000, 'the prompt');
    sh.type(`create -e ${p} mine\r`);
    await waitFor(() => plain(sh.output()).includes(`Created ${p}`), 10_000, 'created');
    sh.type('whoami\r');
    const first = (await waitFor(() => /session: (0x[0-9a-f]+)/.exec(plain(sh.output())), 10_000, 'the session'))[1];
    proxy.setMode('blackhole');
    await waitFor(() => plain(sh.output()).includes(`zk ${proxy.connectString} lost> `), 15_000, 'the lost prompt');
    proxy.setMode('refuse');
    proxy.setMode('pass');
    const mark = plain(sh.output()).length;
    sh.type(`get ${p}\r`);
    // The server expires the old session on its own clock (up to a tick after ours): its ephemeral node may
    // still be there for this first read, and is gone soon after.
    await waitFor(() => sh.after(mark).includes('opening a new session') && /new session 0x[0-9a-f]+/.test(sh.after(mark)), 30_000, 'the new session');
    const c = await newClient();
    await waitFor(async () => (await c.exists(p)) === null, 15_000, 'the old ephemeral node gone');
    sh.type('whoami\r');
    const second = (await waitFor(() => /session: (0x[0-9a-f]+)/.exec(sh.after(mark)), 10_000, 'the new session id'))[1];
    expect(second).not.toBe(first);
    sh.type('quit\r');
    expect(await sh.exited).toBe(0);
  }, 60_000);
});
