import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { statusVerdict } from '../../src/cli/commands/status.js';
import { parseEnsembleSize } from '../../src/cli/options.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/main.js';
import type { ServerReport } from '../../src/zk/ensemble-status.js';
import { overlappingPort } from '../../src/server/local-server.js';
import { CLIENT_LIBRARY } from '../../src/zk/index.js';
import { captureIo } from '../harness/capture-io.js';

async function runMain(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const captured = captureIo(env);
  const code = await main(argv, captured.io);
  return { code, out: captured.out(), err: captured.err() };
}

describe('versions', () => {
  it('--version: one line with zk-coord, Node and the client library versions', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await runMain(['--version']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${pkg.version} (zk-coord; Node ${process.version}; ${CLIENT_LIBRARY.name} ${CLIENT_LIBRARY.version})\n`);
  });

  it('names the client library version that is installed (the pin and the constant agree)', () => {
    const lib = JSON.parse(readFileSync(new URL(`../../node_modules/${CLIENT_LIBRARY.name}/package.json`, import.meta.url), 'utf8')) as { version: string };
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    expect(CLIENT_LIBRARY.version).toBe(lib.version);
    expect(pkg.dependencies[CLIENT_LIBRARY.name]).toBe(lib.version);
  });

  it('version: says so for a server that does not answer, and exits 0', async () => {
    const r = await runMain(['version', '-s', '127.0.0.1:1', '-o', 'json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { zkCoord: string; node: string; servers: Array<{ server: string; version: string | null; note?: string }> };
    expect(json.node).toBe(process.version);
    expect(json.servers).toEqual([expect.objectContaining({ server: '127.0.0.1:1', version: null, note: expect.stringMatching(/^no answer/) })]);
  });
});

describe('status as a health gate', () => {
  const report = (up: boolean, note?: string): ServerReport => ({
    server: 'h:1',
    reachable: up || note !== undefined,
    mode: up ? 'follower' : undefined,
    zxid: undefined,
    connections: undefined,
    version: undefined,
    latencyMs: undefined,
    note,
  });

  it('ok 0 when all are up, degraded 8 when some are down, down 3 when none is or no session opens', () => {
    expect(statusVerdict([report(true), report(true), report(true)], true, false)).toEqual({ health: 'ok', code: 0 });
    expect(statusVerdict([report(true), report(true), report(false)], true, false)).toEqual({ health: 'degraded', code: ExitCode.Degraded });
    expect(statusVerdict([report(false), report(false)], false, false)).toEqual({ health: 'down', code: ExitCode.Connect });
    expect(statusVerdict([report(true)], false, false)).toEqual({ health: 'down', code: ExitCode.Connect });
  });

  it('--quorum: a majority up is ok, half is not; a reachable server that does not serve counts as down', () => {
    expect(statusVerdict([report(true), report(true), report(false)], true, true).code).toBe(0);
    expect(statusVerdict([report(true), report(false), report(true), report(false)], true, true).code).toBe(ExitCode.Degraded);
    expect(statusVerdict([report(true), report(false, 'This ZooKeeper instance is not currently serving requests')], true, false).code).toBe(ExitCode.Degraded);
    expect(statusVerdict([report(false, 'four-letter words are disabled (4lw.commands.whitelist); mode unknown')], true, false).code).toBe(0);
  });
});

describe('server start plans', () => {
  it('refuses an even ensemble with the reason, and sizes beyond 9', () => {
    expect(() => parseEnsembleSize('2')).toThrow('an ensemble of 2 tolerates no failure, no more than one of 1 (a majority of 2 is 2): use 1 or 3');
    expect(() => parseEnsembleSize('4')).toThrow('an ensemble of 4 tolerates 1 failure, no more than one of 3');
    expect(() => parseEnsembleSize('11')).toThrow(/1 \(standalone\), or 3, 5, 7, 9/);
    expect([1, 3, 5, 7, 9].map((n) => parseEnsembleSize(String(n)))).toEqual([1, 3, 5, 7, 9]);
  });

  it('finds client, quorum and election port runs that overlap', () => {
    expect(overlappingPort({ port: 2181, ensemble: 3, quorumPort: 2888, electionPort: 3888 })).toBeUndefined();
    expect(overlappingPort({ port: 2181, ensemble: 3, quorumPort: 2183, electionPort: 3888 })).toBe(2183);
    expect(overlappingPort({ port: 2181, ensemble: 3, quorumPort: 2888, electionPort: 2889 })).toBe(2889);
  });

  it('docker-compose.yml is a Compose Specification file both docker compose and docker-compose read', () => {
    // python3-yaml parses it (a YAML error fails here); the shape is checked below.
    const json = execFileSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', fileURLToPath(new URL('../../docker-compose.yml', import.meta.url))], { encoding: 'utf8' });
    const file = JSON.parse(json) as Record<string, unknown> & { services: Record<string, { image: string; ports: string[]; environment: Record<string, unknown>; profiles?: string[]; hostname?: string }> };
    // The Compose Specification has no `version:` (v2 warns that it is obsolete); only known top-level keys.
    expect(Object.keys(file)).toEqual(['services']);
    const { services } = file;
    expect(Object.keys(services).sort()).toEqual(['zoo1', 'zoo2', 'zoo3', 'zookeeper']);
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, name).toMatch(/^zookeeper:\d+\.\d+$/);
      for (const port of service.ports) expect(port, name).toMatch(/^\d+:\d+$/);
      for (const value of Object.values(service.environment)) expect(['string', 'number']).toContain(typeof value);
    }
    expect(services.zookeeper!.profiles).toBeUndefined();
    expect(services.zookeeper!.ports).toEqual(['2181:2181']);
    const ensemble = ['zoo1', 'zoo2', 'zoo3'].map((n) => services[n]!);
    expect(ensemble.map((s) => s.ports[0])).toEqual(['2181:2181', '2182:2181', '2183:2181']);
    expect(ensemble.map((s) => s.environment.ZOO_MY_ID)).toEqual([1, 2, 3]);
    for (const s of ensemble) {
      expect(s.profiles).toEqual(['ensemble']);
      // Every member names the same three peers, each by the hostname it has.
      expect(s.environment.ZOO_SERVERS).toBe(ensemble.map((p, i) => `server.${i + 1}=${p.hostname}:2888:3888;2181`).join(' '));
    }
  });
});
