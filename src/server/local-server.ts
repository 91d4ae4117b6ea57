/**
 * `zk-coord server`: a real local ZooKeeper in the background for people who have none. State lives in a
 * per-user directory, one file per client port, so a second start on the same port is refused instead of
 * starting a second server.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fourLetterWord, parseSrvr } from '../zk/four-letter.js';
import {
  INSTALL_HINT,
  LaunchError,
  findInstallation,
  isRunning,
  launchEnsemble,
  processGroupState,
  portIsFree,
  stopNodeAndWait,
  type LaunchedNode,
  type TlsMaterial,
} from './launcher.js';

export interface LocalServerState {
  kind: 'java' | 'docker';
  ensemble: number;
  connectString: string;
  baseDir: string;
  startedAt: string;
  nodes: LaunchedNode[];
  /** With --tls: the connection string is the secure ports'; the plain ports stay on loopback for probes. */
  tls?: TlsMaterial & { mutual: boolean };
  /** With Docker: the compose command that started it (`docker compose`, or v1's `docker-compose`). */
  compose?: string[];
}

export class AlreadyRunningError extends Error {
  override name = 'AlreadyRunningError';
}

export class NotRunningError extends Error {
  override name = 'NotRunningError';
}

/** `$ZK_COORD_STATE_DIR`, else `$XDG_STATE_HOME/zk-coord`, else `~/.local/state/zk-coord`. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ZK_COORD_STATE_DIR) return env.ZK_COORD_STATE_DIR;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'zk-coord');
}

function stateFile(dir: string, port: number): string {
  return join(dir, 'servers', `${port}.json`);
}

export function readState(dir: string, port: number): LocalServerState | undefined {
  const file = stateFile(dir, port);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as LocalServerState;
}

/** Every server this user started with zk-coord, by first client port. */
export function listStates(dir: string): LocalServerState[] {
  return listStatesByPort(dir).map(([, state]) => state);
}

/** The same, with the first client port each was started with (what `server stop --port` takes), in port order. */
export function listStatesByPort(dir: string): Array<[port: number, state: LocalServerState]> {
  const folder = join(dir, 'servers');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => /^\d+\.json$/.test(f))
    .map((f): [number, LocalServerState] => [Number(f.slice(0, -5)), JSON.parse(readFileSync(join(folder, f), 'utf8')) as LocalServerState])
    .sort(([a], [b]) => a - b);
}

/** True when something answers `srvr` with a mode on that port: a serving ZooKeeper. */
async function zooKeeperServes(port: number): Promise<boolean> {
  try {
    return parseSrvr(await fourLetterWord('127.0.0.1', port, 'srvr', 1000)) !== undefined;
  } catch {
    return false;
  }
}

function answers(command: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 3000 }, (error) => resolve(!error));
  });
}

function dockerAnswers(): Promise<boolean> {
  return answers('docker', ['info', '--format', '{{.ServerVersion}}']);
}

/**
 * The compose command of this machine: Compose v2 (`docker compose`, a Docker CLI plugin) or v1's standalone
 * `docker-compose`, which older installations still have. The compose file is in the Compose Specification
 * shape both read (no `version:` key; profiles need v1.28+).
 */
export async function composeCommand(): Promise<string[] | undefined> {
  if (await answers('docker', ['compose', 'version'])) return ['docker', 'compose'];
  if (await answers('docker-compose', ['version'])) return ['docker-compose'];
  return undefined;
}

const COMPOSE_FILE = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));

export interface StartOptions {
  port: number;
  ensemble: number;
  /** An ensemble's quorum and election ports: base, base+1, … (default: free ports). */
  quorumPort?: number | undefined;
  electionPort?: number | undefined;
  /** Wipe the data (and logs) of an earlier server on this port before starting. */
  fresh?: boolean | undefined;
  dataDir?: string | undefined;
  tickTimeMs?: number | undefined;
  /** Serve TLS on the ports (`mutual`: clients need a certificate); plain client ports are picked freely. */
  tls?: { mutual: boolean } | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts ZooKeeper in the background and resolves once it serves. Uses a local installation; without one, a
 * Docker engine with the project's docker-compose.yml; without either, fails with the install command.
 */
export async function startLocalServer(options: StartOptions): Promise<LocalServerState> {
  const dir = stateDir(options.env);
  const existing = readState(dir, options.port);
  if (existing && existing.nodes.some((n) => isRunning(n))) {
    throw new AlreadyRunningError(`a ZooKeeper started by zk-coord already runs on port ${options.port} (${existing.connectString}); stop it with: zk-coord server stop --port ${options.port}`);
  }
  const run = (base: number | undefined): number[] | undefined => (base === undefined ? undefined : Array.from({ length: options.ensemble }, (_, i) => base + i));
  const ports = run(options.port) as number[];
  const peerPorts = [...(run(options.quorumPort) ?? []), ...(run(options.electionPort) ?? [])];
  for (const port of ports) {
    if (await zooKeeperServes(port)) throw new AlreadyRunningError(`a ZooKeeper already serves 127.0.0.1:${port}; use it with -s 127.0.0.1:${port}`);
    if (!(await portIsFree(port))) {
      const free = await freeRunAbove(options.port, options.ensemble);
      throw new AlreadyRunningError(`port ${port} is in use by another program; choose another with --port${free ? ` (${free} is free now: --port ${free})` : ''}`);
    }
  }
  for (const port of peerPorts) {
    if (!(await portIsFree(port))) throw new AlreadyRunningError(`port ${port} (quorum/election) is in use by another program; choose other ones with --quorum-port/--election-port`);
  }
  const baseDir = options.dataDir ?? join(dir, `data-${options.port}`);
  if (options.fresh) rmSync(baseDir, { recursive: true, force: true });
  mkdirSync(join(dir, 'servers'), { recursive: true });
  let state: LocalServerState;
  if (findInstallation(options.env)) {
    const launched = await launchEnsemble({
      size: options.ensemble,
      baseDir,
      tickTimeMs: options.tickTimeMs ?? 2000,
      ...(options.quorumPort !== undefined ? { quorumPorts: run(options.quorumPort) } : {}),
      ...(options.electionPort !== undefined ? { electionPorts: run(options.electionPort) } : {}),
      // With TLS the ports asked for are the secure ones: what users connect to.
      ...(options.tls ? { tls: { mutual: options.tls.mutual, secureClientPorts: ports } } : { clientPorts: ports }),
    });
    state = {
      kind: 'java',
      ensemble: options.ensemble,
      connectString: launched.secureConnectString ?? launched.connectString,
      baseDir,
      startedAt: new Date().toISOString(),
      nodes: launched.nodes,
      ...(launched.tls ? { tls: launched.tls } : {}),
    };
  } else if (options.tls) {
    throw new LaunchError(`server start --tls needs a local ZooKeeper installation (${INSTALL_HINT})`);
  } else if (await dockerAnswers()) {
    if (options.port !== 2181 || options.ensemble > 3) throw new LaunchError('with Docker, the compose file serves port 2181 (standalone) and 2181-2183 (--ensemble 3) only');
    const compose = await composeCommand();
    if (!compose) throw new LaunchError(`Docker answers but has no compose command: install the compose plugin (docker compose) or docker-compose; or ZooKeeper itself (${INSTALL_HINT})`);
    const [command, ...prefix] = compose as [string, ...string[]];
    const args = [...prefix, ...(options.ensemble > 1 ? ['-f', COMPOSE_FILE, '--profile', 'ensemble', 'up', '-d', 'zoo1', 'zoo2', 'zoo3'] : ['-f', COMPOSE_FILE, 'up', '-d', 'zookeeper'])];
    await new Promise<void>((resolve, reject) => execFile(command, args, { timeout: 120_000 }, (error) => (error ? reject(new LaunchError(`${command} ${args.join(' ')} failed: ${error.message}`)) : resolve())));
    state = { kind: 'docker', ensemble: options.ensemble, connectString: ports.map((p) => `127.0.0.1:${p}`).join(','), baseDir, startedAt: new Date().toISOString(), nodes: [], compose };
  } else {
    throw new LaunchError(INSTALL_HINT);
  }
  writeFileSync(stateFile(dir, options.port), `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/** Stops the servers started on that port and forgets them. */
export async function stopLocalServer(port: number, env?: NodeJS.ProcessEnv): Promise<LocalServerState> {
  const dir = stateDir(env);
  const state = readState(dir, port);
  if (!state) throw new NotRunningError(`no ZooKeeper started by zk-coord on port ${port}`);
  if (state.kind === 'docker') {
    const [command, ...prefix] = (state.compose ?? ['docker', 'compose']) as [string, ...string[]];
    await new Promise<void>((resolve) => execFile(command, [...prefix, '-f', COMPOSE_FILE, '--profile', 'ensemble', 'down'], { timeout: 120_000 }, () => resolve()));
  }
  await Promise.all(state.nodes.map((n) => stopNodeAndWait(n)));
  rmSync(stateFile(dir, port), { force: true });
  return state;
}

/** A port that two of the client, quorum and election runs share (the caller refuses such a plan). */
export function overlappingPort(options: Pick<StartOptions, 'port' | 'ensemble' | 'quorumPort' | 'electionPort'>): number | undefined {
  const all = [options.port, options.quorumPort, options.electionPort].flatMap((base) => (base === undefined ? [] : Array.from({ length: options.ensemble }, (_, i) => base + i)));
  return all.find((p, i) => all.indexOf(p) !== i);
}

/** The first client port above `port` where `size` consecutive ports are free (a suggestion for --port). */
async function freeRunAbove(port: number, size: number): Promise<number | undefined> {
  for (let base = port + size; base + size - 1 <= Math.min(65535, port + 200); base += size) {
    let free = true;
    for (let p = base; p < base + size && free; p += 1) free = await portIsFree(p);
    if (free) return base;
  }
  return undefined;
}

/** Whether a state is stale: every process it names is gone (stopped by hand, a reboot). */
export function isStale(state: LocalServerState): boolean {
  return state.kind === 'java' && state.nodes.every((n) => processGroupState(n) === 'gone');
}

export interface NodeStatus {
  id: number;
  clientPort: number;
  secureClientPort: number | undefined;
  /** An ensemble's peer ports (0 for a standalone server). */
  quorumPort: number;
  electionPort: number;
  pid: number;
  running: boolean;
  /** Running, but another user's (its process group cannot be signalled by us). */
  foreign: boolean;
  mode: string | undefined;
  dataDir: string;
  logFile: string;
}

export async function nodeStatuses(state: LocalServerState): Promise<NodeStatus[]> {
  return Promise.all(
    state.nodes.map(async (n) => {
      let mode: string | undefined;
      try {
        mode = parseSrvr(await fourLetterWord('127.0.0.1', n.clientPort, 'srvr', 1000))?.mode;
      } catch {
        mode = undefined;
      }
      const processes = processGroupState(n);
      return {
        id: n.id,
        clientPort: n.clientPort,
        secureClientPort: n.secureClientPort,
        quorumPort: n.quorumPort,
        electionPort: n.electionPort,
        pid: n.pgid,
        running: processes !== 'gone',
        foreign: processes === 'foreign',
        mode,
        dataDir: n.dataDir,
        logFile: n.logFile,
      };
    }),
  );
}
