import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, launchEnsemble, stopNodeAndWait, type LaunchedEnsemble } from '../../src/server/launcher.js';
import { createCertificateAuthority, issueCertificate, writeServerStore, type TlsMaterial } from '../../src/server/tls-material.js';
import { runCli, spawnCli, stopAll, type CliRun } from '../harness/cli.js';
import { TEST_TICK_MS } from '../harness/global-setup.js';
import { startTlsServer, type TlsServer } from '../harness/tls.js';
import { uniquePath } from '../harness/zk.js';

// Every recipe's smoke test over TLS and over mutual TLS, and every TLS failure: one server of each kind,
// and one whose certificate has expired, for the whole file.
const servers: Record<'tls' | 'mtls', TlsServer | undefined> = { tls: undefined, mtls: undefined };
let expired: LaunchedEnsemble | undefined;
const running: CliRun[] = [];
let dir: string;
let otherCa: string;

/** A server certificate that expired yesterday, from a CA of its own. */
async function expiredMaterial(): Promise<TlsMaterial> {
  const expiredDir = join(dir, 'expired');
  const ca = await createCertificateAuthority(expiredDir);
  const server = await issueCertificate(expiredDir, { name: 'server', commonName: 'localhost', altNames: ['IP:127.0.0.1'], usage: 'server', days: -1 });
  const serverStore = join(expiredDir, 'server-store.pem');
  writeServerStore(serverStore, server.key, server.cert);
  return { dir: expiredDir, caCert: ca.cert, caKey: ca.key, serverStore, serverCert: server.cert, clientCert: '', clientKey: '' };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zk-coord-tls-e2e-'));
  const material = await expiredMaterial();
  otherCa = (await createCertificateAuthority(join(dir, 'other'), 'some other CA')).cert;
  [servers.tls, servers.mtls, expired] = await Promise.all([
    startTlsServer({ mutual: false }),
    startTlsServer({ mutual: true }),
    launchEnsemble({ size: 1, baseDir: join(dir, 'zk'), tickTimeMs: TEST_TICK_MS, ownerPid: process.pid, tls: { material } }),
  ]);
});
afterAll(async () => {
  await Promise.all([servers.tls?.stop(), servers.mtls?.stop(), ...(expired?.nodes ?? []).map((n) => stopNodeAndWait(n))]);
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await stopAll(running);
});

describe.each(['tls', 'mtls'] as const)('over %s', (kind) => {
  const server = (): TlsServer => servers[kind]!;
  const cli = (args: string[]): CliRun => {
    const run = spawnCli(args, { server: server().connectString, env: server().env });
    running.push(run);
    return run;
  };
  const run = (args: string[]) => runCli(args, { server: server().connectString, env: server().env });

  it('claim: two holders get 1 and 2; the first frees its ID on SIGTERM and the next claim reuses it', async () => {
    const parent = uniquePath('slots');
    const a = cli(['claim', parent]);
    expect(await a.waitForLine(/^\d+$/)).toBe('1');
    const b = cli(['claim', parent]);
    expect(await b.waitForLine(/^\d+$/)).toBe('2');
    a.signal('SIGTERM');
    expect(await a.exited).toBe(0);
    const c = await run(['claim', parent, '--', 'sh', '-c', 'echo "id=$ZK_COORD_ID"']);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('id=1');
  });

  it('elect: the leader stops, the other candidate takes over', async () => {
    const path = uniquePath('election');
    const first = cli(['-o', 'json', 'elect', path, 'one']);
    expect(JSON.parse(await first.waitForLine(/"event":"elected"/)).name).toBe('one');
    const second = cli(['-o', 'json', 'elect', path, 'two']);
    await second.waitForLine(/following one/, 10_000, 'stderr');
    first.signal('SIGTERM');
    expect(JSON.parse(await second.waitForLine(/"event":"elected"/)).name).toBe('two');
    expect(await first.exited).toBe(0);
  });

  it('lock: two processes appending under the lock never overlap', async () => {
    const path = uniquePath('lock');
    const log = join(dir, `lock-${kind}`);
    const body = `echo "start $$" >> ${log}; sleep 0.2; echo "end $$" >> ${log}`;
    const runs = [cli(['lock', path, '--', 'sh', '-c', body]), cli(['lock', path, '--', 'sh', '-c', body])];
    expect(await Promise.all(runs.map((r) => r.exited))).toEqual([0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    // start/end pairs alternate: the second start only after the first end.
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['start', 'end', 'start', 'end']);
    expect(lines[0]!.split(' ')[1]).toBe(lines[1]!.split(' ')[1]);
  });

  it('config: set, get exact bytes, and a watch sees the change', async () => {
    const path = uniquePath('config');
    expect((await run(['config', 'set', path, 'v0'])).code).toBe(0);
    const get = await run(['config', 'get', path]);
    expect(get.code).toBe(0);
    expect(get.bytes.toString()).toBe('v0');
    const watch = cli(['-o', 'json', 'config', 'watch', path]);
    await watch.waitForLine(/"event":"initial"/);
    expect((await run(['config', 'set', path, 'v1'])).code).toBe(0);
    const changed = JSON.parse(await watch.waitForLine(/"event":"changed"/));
    expect(changed.value).toBe('v1');
  });

  it('status probes every server over TLS and opens a session', async () => {
    const status = await run(['-o', 'json', 'status']);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report.servers[0].mode).toBe('standalone');
    expect(report.session.id).toMatch(/^0x/);
  });
});

it('--tls-insecure connects without a CA and warns on every run', async () => {
  const server = servers.mtls!;
  const env = { ZK_COORD_TLS_CERT: server.env.ZK_COORD_TLS_CERT, ZK_COORD_TLS_KEY: server.env.ZK_COORD_TLS_KEY };
  for (let i = 0; i < 2; i += 1) {
    const result = await runCli(['--tls-insecure', 'ls', '/'], { server: server.connectString, env });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/NOT verified \(--tls-insecure\)/);
  }
});

// Every TLS failure: exit 3, one line on stderr naming the host and the TLS reason, well within the connect
// timeout.
const CONNECT_TIMEOUT_MS = 5000;

async function failure(server: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ line: string; ms: number }> {
  const started = Date.now();
  const result = await runCli(['--connect-timeout', String(CONNECT_TIMEOUT_MS), ...args, 'config', 'get', '/'], { server, env: { ZK_COORD_TLS_CA: '', ZK_COORD_TLS_CERT: '', ZK_COORD_TLS_KEY: '', ...env } });
  const ms = Date.now() - started;
  expect(result.code).toBe(3);
  expect(result.stdout).toBe('');
  // A connect slower than 750 ms prints its one progress line first (no spinner off a terminal): a loaded
  // machine's handshake can take that long. Apart from it, exactly the one error line.
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '' && l !== `connecting to ${server}…`);
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toContain(server);
  // Bounded: these are decided by the first handshake with each host, not by the deadline.
  expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS);
  return { line: lines[0]!, ms };
}

describe('TLS errors', () => {
  it('a server that requires a client certificate we did not send', async () => {
    const { line } = await failure(servers.mtls!.connectString, ['--tls-ca', servers.mtls!.env.ZK_COORD_TLS_CA!], {});
    expect(line).toMatch(/requires a client certificate \(--tls-cert and --tls-key\)/);
  });

  it('a server certificate from a CA we do not trust (the system roots, or another CA)', async () => {
    const cert = { ZK_COORD_TLS_CERT: servers.mtls!.env.ZK_COORD_TLS_CERT!, ZK_COORD_TLS_KEY: servers.mtls!.env.ZK_COORD_TLS_KEY! };
    expect((await failure(servers.mtls!.connectString, [], cert)).line).toMatch(/--tls-cert|not signed by a trusted CA/);
    expect((await failure(servers.mtls!.connectString, ['--tls'], cert)).line).toMatch(/not signed by a trusted CA \(--tls-ca\)/);
    expect((await failure(servers.mtls!.connectString, ['--tls-ca', otherCa], cert)).line).toMatch(/not signed by a trusted CA \(--tls-ca\)/);
  });

  it('a certificate that does not match the name verified (--tls-servername), while the right name connects', async () => {
    const { line } = await failure(servers.mtls!.connectString, ['--tls-servername', 'zk.example.com'], servers.mtls!.env);
    expect(line).toMatch(/does not match "zk\.example\.com"/);
    const ok = await runCli(['--tls-servername', 'localhost', 'config', 'get', '/'], { server: servers.mtls!.connectString, env: servers.mtls!.env });
    expect(ok.code).toBe(0);
  });

  it('an expired server certificate', async () => {
    const server = expired!.secureConnectString!;
    const { line } = await failure(server, ['--tls-ca', join(dir, 'expired', 'ca.pem')], {});
    expect(line).toMatch(/server certificate has expired/);
  });

  it('a plain client port given --tls', async () => {
    const { line } = await failure(servers.mtls!.plainConnectString, [], servers.mtls!.env);
    expect(line).toMatch(/closed the connection during the TLS handshake \(a plain client port\? drop --tls\)/);
  });

  it('a TLS port spoken to in plain text does not hang: it is named as a TLS port', async () => {
    const { line } = await failure(servers.mtls!.connectString, [], {});
    expect(line).toMatch(/speaks TLS on this port \(use --tls/);
  });

  it('unusable TLS settings are usage errors (exit 2) before any connection', async () => {
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    const missing = await runCli(['--tls-ca', join(dir, 'nope.pem'), 'config', 'get', '/'], { server: servers.mtls!.connectString });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read --tls-ca .*nope\.pem: ENOENT/);
    const bad = await runCli(['--tls-ca', junk, 'config', 'get', '/'], { server: servers.mtls!.connectString });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unusable TLS settings/);
    const half = await runCli(['--tls-cert', servers.mtls!.env.ZK_COORD_TLS_CERT!, 'config', 'get', '/'], { server: servers.mtls!.connectString });
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/--tls-cert and --tls-key go together/);
  });
});

describe('server start --mtls and the demo over TLS', () => {
  it('server start --mtls prints the connection string and the exports to paste; they work; stop stops it', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'zk-coord-tls-state-'));
    const port = await freePort();
    const env = { ZK_COORD_STATE_DIR: stateDir };
    try {
      const start = await runCli(['server', 'start', '--mtls', '--port', String(port), '--tick-time', '500'], { env });
      expect(start.code).toBe(0);
      expect(start.stdout).toBe(`127.0.0.1:${port}`);
      const exports = Object.fromEntries([...start.stderr.matchAll(/(ZK_COORD_[A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
      expect(Object.keys(exports).sort()).toEqual(['ZK_COORD_SERVER', 'ZK_COORD_TLS_CA', 'ZK_COORD_TLS_CERT', 'ZK_COORD_TLS_KEY']);
      const set = await runCli(['config', 'set', '/over-tls', 'yes'], { server: exports.ZK_COORD_SERVER!, env: exports });
      expect(set.code).toBe(0);
      // Mutual: without the client certificate the same server refuses.
      const noCert = await runCli(['--connect-timeout', '3s', 'config', 'get', '/over-tls'], { server: exports.ZK_COORD_SERVER!, env: { ZK_COORD_TLS_CA: exports.ZK_COORD_TLS_CA! } });
      expect(noCert.code).toBe(3);
      const status = await runCli(['server', 'status', '--port', String(port)], { env });
      expect(status.stdout).toMatch(new RegExp(`tls port ${port}  plain port \\d+`));
    } finally {
      expect((await runCli(['server', 'stop', '--port', String(port)], { env })).code).toBe(0);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('server start --ensemble 3 --tls: three TLS servers, one connection string; a holder and status work over it; stop stops all', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'zk-coord-tls-ensemble-'));
    const port = await freePort();
    const env = { ZK_COORD_STATE_DIR: stateDir };
    try {
      const start = await runCli(['server', 'start', '--ensemble', '3', '--tls', '--port', String(port), '--tick-time', '500'], { env });
      expect(start.code).toBe(0);
      const hosts = start.stdout.split(',');
      expect(hosts).toHaveLength(3);
      const exports = Object.fromEntries([...start.stderr.matchAll(/(ZK_COORD_[A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
      expect(exports.ZK_COORD_SERVER).toBe(start.stdout);
      expect(exports.ZK_COORD_TLS_CA).toBeDefined();
      const status = await runCli(['status'], { server: start.stdout, env: exports });
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/leader/);
      expect(status.stdout.match(/follower/g)).toHaveLength(2);
      const claim = await runCli(['claim', '/tls-ensemble', '--', 'sh', '-c', 'echo "id $ZK_COORD_ID"'], { server: start.stdout, env: exports });
      expect(claim.code).toBe(0);
      expect(claim.stdout).toBe('id 1');
    } finally {
      expect((await runCli(['server', 'stop', '--port', String(port)], { env })).code).toBe(0);
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('the demo reaches a TLS server with the flags given to it, and prints no password', async () => {
    const server = servers.mtls!;
    const flags = ['--tls-ca', server.env.ZK_COORD_TLS_CA!, '--tls-cert', server.env.ZK_COORD_TLS_CERT!, '--tls-key', server.env.ZK_COORD_TLS_KEY!];
    const r = await runCli([...flags, 'demo', 'config'], { server: server.connectString, env: { ZK_COORD_AUTH: 'demo:Demo-Secret-5' } });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('starting a local one');
    expect(r.stdout).toContain('Every step behaved as narrated.');
    expect(`${r.stdout}\n${r.stderr}`).not.toContain('Demo-Secret-5');
  }, 60_000);
});
