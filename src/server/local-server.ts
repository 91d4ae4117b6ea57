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
  portIsFree,
  stopNodeAndWait,
  type LaunchedNode,
} from './launcher.js';

export interface LocalServerState {
  kind: 'java' | 'docker';
  ensemble: number;
  connectString: string;
  baseDir: string;
  startedAt: string;
  nodes: LaunchedNode[];
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
  const folder = join(dir, 'servers');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(folder, f), 'utf8')) as LocalServerState);
}

/** True when something answers `srvr` with a mode on that port: a serving ZooKeeper. */
async function zooKeeperServes(port: number): Promise<boolean> {
  try {
    return parseSrvr(await fourLetterWord('127.0.0.1', port, 'srvr', 1000)) !== undefined;
  } catch {
    return false;
  }
}

function dockerAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 3000 }, (error) => resolve(!error));
  });
}

const COMPOSE_FILE = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));

export interface StartOptions {
  port: number;
  ensemble: number;
  dataDir?: string | undefined;
  tickTimeMs?: number | undefined;
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
  const ports = Array.from({ length: options.ensemble }, (_, i) => options.port + i);
  for (const port of ports) {
    if (await zooKeeperServes(port)) throw new AlreadyRunningError(`a ZooKeeper already serves 127.0.0.1:${port}; use it with -s 127.0.0.1:${port}`);
    if (!(await portIsFree(port))) throw new AlreadyRunningError(`port ${port} is in use by another program; choose another with --port`);
  }
  const baseDir = options.dataDir ?? join(dir, `data-${options.port}`);
  mkdirSync(join(dir, 'servers'), { recursive: true });
  let state: LocalServerState;
  if (findInstallation(options.env)) {
    const launched = await launchEnsemble({ size: options.ensemble, clientPorts: ports, baseDir, tickTimeMs: options.tickTimeMs ?? 2000 });
    state = { kind: 'java', ensemble: options.ensemble, connectString: launched.connectString, baseDir, startedAt: new Date().toISOString(), nodes: launched.nodes };
  } else if (await dockerAnswers()) {
    if (options.port !== 2181) throw new LaunchError('with Docker, the compose file serves ports 2181 (standalone) and 2181-2183 (--ensemble 3) only');
    const args = options.ensemble > 1 ? ['compose', '-f', COMPOSE_FILE, '--profile', 'ensemble', 'up', '-d', 'zoo1', 'zoo2', 'zoo3'] : ['compose', '-f', COMPOSE_FILE, 'up', '-d', 'zookeeper'];
    await new Promise<void>((resolve, reject) => execFile('docker', args, { timeout: 120_000 }, (error) => (error ? reject(new LaunchError(`docker ${args.join(' ')} failed: ${error.message}`)) : resolve())));
    state = { kind: 'docker', ensemble: options.ensemble, connectString: ports.map((p) => `127.0.0.1:${p}`).join(','), baseDir, startedAt: new Date().toISOString(), nodes: [] };
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
    await new Promise<void>((resolve) => execFile('docker', ['compose', '-f', COMPOSE_FILE, '--profile', 'ensemble', 'down'], { timeout: 120_000 }, () => resolve()));
  }
  await Promise.all(state.nodes.map((n) => stopNodeAndWait(n)));
  rmSync(stateFile(dir, port), { force: true });
  return state;
}

export interface NodeStatus {
  id: number;
  clientPort: number;
  pid: number;
  running: boolean;
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
      return { id: n.id, clientPort: n.clientPort, pid: n.pgid, running: isRunning(n), mode, dataDir: n.dataDir, logFile: n.logFile };
    }),
  );
}
