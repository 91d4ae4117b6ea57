/**
 * Starts real ZooKeeper servers (standalone or a loopback ensemble) from a local installation. One module
 * serves both the test harness and `zk-coord server`, so what the tests run is what users run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { fourLetterWord, parseSrvr } from '../zk/four-letter.js';
import { LaunchError } from './launch-error.js';

export { LaunchError };

export interface ZooKeeperInstallation {
  java: string;
  classpath: string;
  /** Where it was found, for messages. */
  source: string;
}

export const INSTALL_HINT =
  'ZooKeeper is not installed: on Debian/Ubuntu run `sudo apt-get install -y zookeeper`, on macOS `brew install zookeeper`, or set ZOOKEEPER_HOME to an unpacked release';

function findJava(env: NodeJS.ProcessEnv): string | undefined {
  if (env.JAVA_HOME && existsSync(join(env.JAVA_HOME, 'bin', 'java'))) return join(env.JAVA_HOME, 'bin', 'java');
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'java'))) return join(dir, 'java');
  }
  return undefined;
}

function jarsIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jar'))
    .map((f) => join(dir, f));
}

/**
 * Finds ZooKeeper and Java: ZOOKEEPER_HOME (an unpacked release), the Debian/Ubuntu package, Homebrew.
 * Returns undefined when either is missing.
 */
export function findInstallation(env: NodeJS.ProcessEnv = process.env): ZooKeeperInstallation | undefined {
  const java = findJava(env);
  if (!java) return undefined;
  const candidates: { source: string; jars: () => string[] }[] = [];
  if (env.ZOOKEEPER_HOME) {
    const home = env.ZOOKEEPER_HOME;
    candidates.push({ source: `ZOOKEEPER_HOME=${home}`, jars: () => [...jarsIn(join(home, 'lib')), ...jarsIn(home)] });
  }
  // Debian's zookeeper.jar names its dependencies in its manifest's Class-Path; the log4j binding jars make
  // the server log to our file instead of SLF4J's silent no-op logger.
  const debianJar = '/usr/share/java/zookeeper.jar';
  candidates.push({
    source: 'the Debian package (/usr/share/java)',
    jars: () =>
      existsSync(debianJar)
        ? [debianJar, ...['slf4j-log4j12.jar', 'log4j-1.2.jar'].map((j) => join('/usr/share/java', j)).filter((j) => existsSync(j))]
        : [],
  });
  for (const prefix of ['/opt/homebrew/opt/zookeeper/libexec', '/usr/local/opt/zookeeper/libexec']) {
    candidates.push({ source: `Homebrew (${prefix})`, jars: () => jarsIn(join(prefix, 'lib')) });
  }
  for (const candidate of candidates) {
    const jars = candidate.jars();
    if (jars.some((j) => /zookeeper(-[\d.]+)?\.jar$/.test(j))) {
      return { java, classpath: jars.join(':'), source: candidate.source };
    }
  }
  return undefined;
}

/** True when nothing listens on that loopback port (we could bind it). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free TCP port on 127.0.0.1, as the kernel hands it out. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface NodeSpec {
  id: number;
  clientPort: number;
  quorumPort: number;
  electionPort: number;
  dataDir: string;
  logFile: string;
}

export interface LaunchOptions {
  /** Number of servers: 1 (standalone) or an odd number for an ensemble. */
  size: number;
  /** Client ports; defaults to free ports. */
  clientPorts?: number[];
  /** Root folder: each server gets `<baseDir>/server-<id>/`. */
  baseDir: string;
  /** Default 2000 (ZooKeeper's own). Tests use less so sessions expire in seconds. */
  tickTimeMs?: number;
  /** Return an error for writes beyond a quota (`setquota`), as production ensembles configured so do. */
  enforceQuota?: boolean;
  /** Servers stop by themselves once this process is gone (tests); `server start` leaves it unset. */
  ownerPid?: number;
  /** How long to wait for every server to serve. Default 30 s. */
  readyTimeoutMs?: number;
  installation?: ZooKeeperInstallation;
}

export interface LaunchedNode extends NodeSpec {
  /** Process group id of the server (its wrapper shell and the JVM). */
  pgid: number;
}

export interface LaunchedEnsemble {
  nodes: LaunchedNode[];
  /** `127.0.0.1:p1,127.0.0.1:p2,…` */
  connectString: string;
}

function configText(node: NodeSpec, all: NodeSpec[], tickTimeMs: number): string {
  const lines = [
    `tickTime=${tickTimeMs}`,
    'initLimit=10',
    'syncLimit=5',
    `dataDir=${node.dataDir}`,
    `clientPort=${node.clientPort}`,
    'clientPortAddress=127.0.0.1',
    'maxClientCnxns=0',
    'admin.enableServer=false',
    '4lw.commands.whitelist=*',
    'autopurge.purgeInterval=0',
  ];
  if (all.length > 1) {
    for (const peer of all) lines.push(`server.${peer.id}=127.0.0.1:${peer.quorumPort}:${peer.electionPort}`);
  }
  return `${lines.join('\n')}\n`;
}

const LOG4J = `log4j.rootLogger=INFO, FILE
log4j.appender.FILE=org.apache.log4j.ConsoleAppender
log4j.appender.FILE.layout=org.apache.log4j.PatternLayout
log4j.appender.FILE.layout.ConversionPattern=%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n
`;

/** Spawns one server in its own process group; its output goes to its log file. */
function spawnNode(node: NodeSpec, all: NodeSpec[], options: LaunchOptions, install: ZooKeeperInstallation): LaunchedNode {
  mkdirSync(node.dataDir, { recursive: true });
  const confDir = join(node.dataDir, 'conf');
  mkdirSync(confDir, { recursive: true });
  const cfg = join(confDir, 'zoo.cfg');
  writeFileSync(cfg, configText(node, all, options.tickTimeMs ?? 2000));
  writeFileSync(join(confDir, 'log4j.properties'), LOG4J);
  if (all.length > 1) writeFileSync(join(node.dataDir, 'myid'), `${node.id}\n`);
  const args = [
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    `-Dzookeeper.enforceQuota=${options.enforceQuota ? 'true' : 'false'}`,
    '-Dzookeeper.jmx.log4j.disable=true',
    '-cp',
    `${confDir}:${install.classpath}`,
    'org.apache.zookeeper.server.quorum.QuorumPeerMain',
    cfg,
  ];
  const log = openSync(node.logFile, 'a');
  // The shell stays as the group leader: with an owner pid it stops the JVM once the owner is gone, so a
  // crashed test run leaves no server behind.
  const script =
    options.ownerPid !== undefined
      ? `"$@" & child=$!; trap 'kill $child 2>/dev/null; exit 0' TERM INT; ` +
        `while kill -0 ${options.ownerPid} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done; ` +
        `kill $child 2>/dev/null; wait $child`
      : `exec "$@"`;
  const child = spawn('/bin/sh', ['-c', script, 'zookeeper', install.java, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new LaunchError(`could not start ${install.java}`);
  return { ...node, pgid: child.pid };
}

/** Resolves once `srvr` reports a mode for the server (it serves requests). */
export async function waitServing(port: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const info = parseSrvr(await fourLetterWord('127.0.0.1', port, 'srvr', 1000));
      if (info) return info.mode;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new LaunchError(`ZooKeeper on port ${port} did not start serving within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Plans ports and folders for an ensemble. */
export async function planEnsemble(options: LaunchOptions): Promise<NodeSpec[]> {
  const nodes: NodeSpec[] = [];
  for (let i = 0; i < options.size; i += 1) {
    const id = i + 1;
    const dir = join(options.baseDir, `server-${id}`);
    nodes.push({
      id,
      clientPort: options.clientPorts?.[i] ?? (await freePort()),
      quorumPort: options.size > 1 ? await freePort() : 0,
      electionPort: options.size > 1 ? await freePort() : 0,
      dataDir: join(dir, 'data'),
      logFile: join(dir, 'zookeeper.log'),
    });
  }
  return nodes;
}

/** Starts the servers and resolves once every one of them serves. */
export async function launchEnsemble(options: LaunchOptions): Promise<LaunchedEnsemble> {
  const install = options.installation ?? findInstallation();
  if (!install) throw new LaunchError(INSTALL_HINT);
  const specs = await planEnsemble(options);
  const nodes = specs.map((spec) => spawnNode(spec, specs, options, install));
  try {
    await Promise.all(nodes.map((n) => waitServing(n.clientPort, options.readyTimeoutMs ?? 30_000)));
  } catch (error) {
    for (const node of nodes) stopNode(node);
    throw error;
  }
  return { nodes, connectString: nodes.map((n) => `127.0.0.1:${n.clientPort}`).join(',') };
}

/** Restarts one stopped server with its old configuration and data. */
export async function restartNode(node: LaunchedNode, all: NodeSpec[], options: LaunchOptions): Promise<LaunchedNode> {
  const install = options.installation ?? findInstallation();
  if (!install) throw new LaunchError(INSTALL_HINT);
  const restarted = spawnNode(node, all, options, install);
  return restarted;
}

/** Sends SIGTERM (or the given signal) to the server's process group. Returns false if it was not running. */
export function stopNode(node: { pgid: number }, signal: NodeJS.Signals = 'SIGTERM'): boolean {
  try {
    process.kill(-node.pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the group lives. */
export function isRunning(node: { pgid: number }): boolean {
  try {
    process.kill(-node.pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the server and resolves once its processes are gone (SIGKILL after `graceMs`). */
export async function stopNodeAndWait(node: { pgid: number }, graceMs = 5000): Promise<void> {
  if (!stopNode(node)) return;
  const deadline = Date.now() + graceMs;
  while (isRunning(node)) {
    if (Date.now() > deadline) {
      stopNode(node, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 100));
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
