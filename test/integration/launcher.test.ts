import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, launchEnsemble, restartNode, stopNodeAndWait, type LaunchedEnsemble, type LaunchOptions } from '../../src/server/launcher.js';
import { fourLetterWord } from '../../src/zk/four-letter.js';

function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 49152;
  }
}

// SO_REUSEADDR only for the bind: the stopped server may have left TIME_WAIT connections on its port (when
// it closed first, as after a four-letter word), which a plain bind refuses. Cleared again before connect,
// so the squatter blocks the server's bind as a kernel-chosen local port (never SO_REUSEADDR) does.
const SQUAT = `
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
s.connect(('127.0.0.1', int(sys.argv[2])))
print('connected', flush=True)
s.recv(1)
s.close()
`;

describe('the launcher', () => {
  let ensemble: LaunchedEnsemble;
  let options: LaunchOptions;
  let baseDir: string;
  let peer: Server;
  const accepted: Socket[] = [];

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'zk-coord-launcher-'));
    options = { size: 1, baseDir, ownerPid: process.pid };
    ensemble = await launchEnsemble(options);
    peer = createServer((s) => {
      accepted.push(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const node of ensemble.nodes) await stopNodeAndWait(node);
    await new Promise((resolve) => peer.close(resolve));
    rmSync(baseDir, { recursive: true, force: true });
  });

  it('chooses ports below the kernel ephemeral range, which outgoing connections take their local ports from', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) expect(port).toBeLessThan(ephemeralLow());
    // Never the same one twice: an ensemble's ports are all chosen before any of them is bound.
    expect(new Set(ports).size).toBe(ports.length);
    expect(ensemble.nodes[0]!.clientPort).toBeLessThan(ephemeralLow());
  });

  it('a restart whose port an outgoing connection holds fails at once with the log line, then succeeds once it is free', async () => {
    const node = ensemble.nodes[0]!;
    // A four-letter word whose reply the client reads to the end before closing: the server closes first and
    // keeps a TIME_WAIT on its own port, as it does now and then in a loaded run.
    await new Promise<void>((resolve, reject) => {
      const probe = connect(node.clientPort, '127.0.0.1', () => probe.write('srvr'));
      probe.on('error', reject);
      probe.on('data', () => undefined);
      probe.on('end', () => setTimeout(() => { probe.destroy(); resolve(); }, 200));
    });
    await stopNodeAndWait(node);
    // What CI met: while the server was down, some connection on the machine got its port as local port.
    // Python's socket, unlike Node's, connects without SO_REUSEADDR, as a kernel-chosen local port does.
    const squatter = spawn('python3', ['-c', SQUAT, String(node.clientPort), String((peer.address() as { port: number }).port)], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      squatter.stdout.once('data', () => resolve());
      squatter.once('exit', (code) => reject(new Error(`squatter exited ${code}`)));
    });
    try {
      const started = Date.now();
      await expect(restartNode(node, [node], options)).rejects.toThrow(/exited while starting.*(Address already in use|BindException)/);
      expect(Date.now() - started).toBeLessThan(25_000);
    } finally {
      // The peer closes first, so the squatter's side ends without TIME_WAIT (a socket bound without
      // SO_REUSEADDR holds its port through TIME_WAIT too).
      for (const s of accepted) s.destroy();
      await new Promise((resolve) => squatter.once('exit', resolve));
    }
    ensemble.nodes[0] = await restartNode(node, [node], options);
    expect(await fourLetterWord('127.0.0.1', node.clientPort, 'ruok', 2000)).toBe('imok');
  }, 60_000);
});
