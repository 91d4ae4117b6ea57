/**
 * Starts real ZooKeeper servers (standalone or a loopback ensemble) from a local installation. One module
 * serves both the test harness and `zk-coord server`, so what the tests run is what users run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { fourLetterWord, parseSrvr } from '../zk/four-letter.js';
import { LaunchError } from './launch-error.js';
import { ensureTlsMaterial, type TlsMaterial } from './tls-material.js';
import { groupHasLiveMember } from '../process/group.js';

export { LaunchError };
export type { TlsMaterial };

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

/**
 * The kernel's ephemeral range: outgoing connections take their local ports from it (Linux reads it from
 * /proc; 49152–65535 is the IANA range macOS and Windows use).
 */
function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    // not Linux
  }
  return [49152, 65535];
}

const LOWEST_CHOSEN_PORT = 20_000;

/**
 * A free TCP port on 127.0.0.1 below the kernel's ephemeral range. A port the kernel hands out for listen(0)
 * comes from that range, and once its server stops (a restart), any outgoing connection on the machine may
 * take it as its local port; the server then cannot bind it again (EADDRINUSE, SO_REUSEADDR or not). Seen in
 * CI: a restarted test server found its port taken and never came back.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralPortRange();
  const span = ephemeralLow - LOWEST_CHOSEN_PORT;
  for (let attempt = 0; span > 1000 && attempt < 100; attempt += 1) {
    const port = LOWEST_CHOSEN_PORT + Math.floor(Math.random() * span);
    // Never the same port twice from this process: an ensemble's ports are all chosen before any binds.
    if (handedOut.has(port)) continue;
    if (await portIsFree(port)) {
      handedOut.add(port);
      return port;
    }
  }
  return kernelPort();
}

const handedOut = new Set<number>();

function kernelPort(): Promise<number> {
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
  /** Plain client port (also the four-letter-word port the launcher probes). */
  clientPort: number;
  /** TLS client port (`secureClientPort`), with LaunchOptions.tls. */
  secureClientPort?: number;
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
  /** An ensemble's quorum (peer) and leader-election ports; default to free ports. */
  quorumPorts?: number[];
  electionPorts?: number[];
  /** Root folder: each server gets `<baseDir>/server-<id>/`. */
  baseDir: string;
  /** Default 2000 (ZooKeeper's own). Tests use less so sessions expire in seconds. */
  tickTimeMs?: number;
  /** Return an error for writes beyond a quota (`setquota`), as production ensembles configured so do. */
  enforceQuota?: boolean;
  /** Servers stop by themselves once this process is gone (tests); `server start` leaves it unset. */
  ownerPid?: number;
  /**
   * Serve TLS on a `secureClientPort` of each server too (Netty connection factory; the quorum stays plain),
   * with a throwaway CA and certificates in `<baseDir>/tls` unless `material` is given. `mutual`: clients must
   * present a certificate signed by that CA (`ssl.clientAuth=need`).
   */
  tls?: { mutual?: boolean; material?: TlsMaterial; secureClientPorts?: number[] };
  /** How long to wait for every server to serve. Default 30 s. */
  readyTimeoutMs?: number;
  /** Java system properties for every server, as `-Dname=value` (e.g. a raised `jute.maxbuffer`). */
  systemProperties?: Record<string, string>;
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
  /** The secure client ports, with LaunchOptions.tls. */
  secureConnectString?: string;
  tls?: TlsMaterial & { mutual: boolean };
}

/**
 * Netty jars ZooKeeper's TLS needs beyond what Debian's zookeeper.jar manifest lists (its Class-Path names
 * netty-handler, -buffer, -common, -transport but not -codec, which SslHandler extends, nor -resolver): all
 * from Debian's libnetty-java, a dependency of the zookeeper package.
 */
const DEBIAN_NETTY_JARS = ['netty-codec.jar', 'netty-resolver.jar', 'netty-transport-native-unix-common.jar'];

export const NETTY_HINT = 'TLS needs the Netty jars in /usr/share/java: on Debian/Ubuntu `sudo apt-get install -y libnetty-java`';

function tlsClasspath(install: ZooKeeperInstallation): string {
  if (!install.classpath.includes('/usr/share/java/zookeeper.jar')) return install.classpath;
  const jars = DEBIAN_NETTY_JARS.map((j) => join('/usr/share/java', j));
  const missing = jars.filter((j) => !existsSync(j));
  if (missing.length > 0) throw new LaunchError(`${NETTY_HINT} (missing ${missing.join(', ')})`);
  return [install.classpath, ...jars].join(':');
}

function tlsConfigLines(node: NodeSpec, tls: { mutual: boolean; material: TlsMaterial }): string[] {
  return [
    `secureClientPort=${node.secureClientPort}`,
    'secureClientPortAddress=127.0.0.1',
    'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory',
    `ssl.keyStore.location=${tls.material.serverStore}`,
    'ssl.keyStore.type=PEM',
    `ssl.trustStore.location=${tls.material.caCert}`,
    'ssl.trustStore.type=PEM',
    `ssl.clientAuth=${tls.mutual ? 'need' : 'none'}`,
  ];
}

function configText(node: NodeSpec, all: NodeSpec[], tickTimeMs: number, tls?: { mutual: boolean; material: TlsMaterial }): string {
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
  if (tls && node.secureClientPort !== undefined) lines.push(...tlsConfigLines(node, tls));
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
  const tls = options.tls?.material ? { mutual: options.tls.mutual === true, material: options.tls.material } : undefined;
  writeFileSync(cfg, configText(node, all, options.tickTimeMs ?? 2000, tls));
  writeFileSync(join(confDir, 'log4j.properties'), LOG4J);
  if (all.length > 1) writeFileSync(join(node.dataDir, 'myid'), `${node.id}\n`);
  const args = [
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    `-Dzookeeper.enforceQuota=${options.enforceQuota ? 'true' : 'false'}`,
    '-Dzookeeper.jmx.log4j.disable=true',
    ...Object.entries(options.systemProperties ?? {}).map(([name, value]) => `-D${name}=${value}`),
    '-cp',
    `${confDir}:${tls ? tlsClasspath(install) : install.classpath}`,
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

/**
 * Resolves once `srvr` reports a mode for the server (it serves requests). With the launched node, a server
 * that exits while starting fails at once, naming the last error its log holds (a port taken, say).
 */
export async function waitServing(port: number, timeoutMs: number, node?: LaunchedNode): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const info = parseSrvr(await fourLetterWord('127.0.0.1', port, 'srvr', 1000));
      if (info) return info.mode;
    } catch {
      // not listening yet
    }
    if (node && !isRunning(node)) throw new LaunchError(`ZooKeeper on port ${port} exited while starting${lastLogError(node.logFile)}`);
    if (Date.now() > deadline) throw new LaunchError(`ZooKeeper on port ${port} did not start serving within ${timeoutMs} ms${lastLogError(node?.logFile)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function lastLogError(logFile: string | undefined): string {
  if (!logFile) return '';
  try {
    // The log is appended to across restarts: only this start's lines count. A Java throwable's own line
    // ("java.net.BindException: Address already in use") says more than the ERROR lines around it.
    const all = readFileSync(logFile, 'utf8').split('\n');
    const lines = all.slice(Math.max(0, all.findLastIndex((l) => l.includes('Reading configuration from'))));
    const error = lines.find((l) => /^[\w.$]+(Exception|Error): /.test(l)) ?? lines.find((l) => /\b(ERROR|FATAL)\b/.test(l));
    return error ? `; its log (${logFile}) says: ${error.trim().slice(0, 400)}` : `; see its log: ${logFile}`;
  } catch {
    return '';
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
      ...(options.tls ? { secureClientPort: options.tls.secureClientPorts?.[i] ?? (await freePort()) } : {}),
      quorumPort: options.size > 1 ? (options.quorumPorts?.[i] ?? (await freePort())) : 0,
      electionPort: options.size > 1 ? (options.electionPorts?.[i] ?? (await freePort())) : 0,
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
  if (options.tls && !options.tls.material) options = { ...options, tls: { ...options.tls, material: await ensureTlsMaterial(join(options.baseDir, 'tls')) } };
  let nodes: LaunchedNode[] = [];
  // Ports we chose may be taken between the check and the JVM's bind (another process, another test worker):
  // choose again, once. Ports the caller gave are the caller's to fix.
  const chosenByUs = !options.clientPorts && !options.quorumPorts && !options.electionPorts && !options.tls?.secureClientPorts;
  for (let attempt = 1; ; attempt += 1) {
    const specs = await planEnsemble(options);
    nodes = specs.map((spec) => spawnNode(spec, specs, options, install));
    try {
      await Promise.all(nodes.map((n) => waitServing(n.clientPort, options.readyTimeoutMs ?? 30_000, n)));
      break;
    } catch (error) {
      for (const node of nodes) stopNode(node);
      const portTaken = error instanceof LaunchError && /BindException|Address already in use/.test(error.message);
      if (!portTaken || !chosenByUs || attempt >= 2) throw error;
      for (const node of nodes) await stopNodeAndWait(node, 2000);
    }
  }
  const launched: LaunchedEnsemble = { nodes, connectString: nodes.map((n) => `127.0.0.1:${n.clientPort}`).join(',') };
  if (options.tls?.material) {
    launched.secureConnectString = nodes.map((n) => `127.0.0.1:${n.secureClientPort}`).join(',');
    launched.tls = { ...options.tls.material, mutual: options.tls.mutual === true };
  }
  return launched;
}

/**
 * Restarts one stopped server with its old configuration and data, and resolves once it serves (a member of
 * an ensemble serves once it has rejoined a quorum).
 */
export async function restartNode(node: LaunchedNode, all: NodeSpec[], options: LaunchOptions): Promise<LaunchedNode> {
  const install = options.installation ?? findInstallation();
  if (!install) throw new LaunchError(INSTALL_HINT);
  if (options.tls && !options.tls.material) options = { ...options, tls: { ...options.tls, material: await ensureTlsMaterial(join(options.baseDir, 'tls')) } };
  const restarted = spawnNode(node, all, options, install);
  try {
    await waitServing(restarted.clientPort, options.readyTimeoutMs ?? 30_000, restarted);
  } catch (error) {
    stopNode(restarted);
    throw error;
  }
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
  return processGroupState(node) !== 'gone';
}

/** Whether the group lives, and whether it is ours to signal (EPERM: another user's, in a shared state folder). */
export function processGroupState(node: { pgid: number }): 'ours' | 'foreign' | 'gone' {
  try {
    process.kill(-node.pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'foreign' : 'gone';
  }
  return groupHasLiveMember(node.pgid) ? 'ours' : 'gone';
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
