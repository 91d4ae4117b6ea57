import { parseArgs } from 'node:util';
import { UsageError } from '../cli/exit-codes.js';
import { parseZnodeVersion } from '../cli/options.js';
import { explainBadVersion, withHint } from '../cli/hints.js';
import { removeNode } from '../recipes/config/values.js';
import { escapeControl } from '../output/escape.js';
import { dataJson, statJson } from '../output/render.js';
import type { ShellPrinter } from '../output/shell-printer.js';
import {
  childrenListLine,
  historyLines,
  sessionInfoJson,
  sessionInfoLines,
  statResultJson,
  zkStatLines,
} from '../output/zkcli.js';
import { NoNodeError, NotEmptyError, formatAclZkCli, parseAclList, type CreateMode, type Stat, type ZkClient } from '../zk/index.js';
import type { ShellHistory } from './history.js';
import type { ShellSession } from './session.js';

/** What a shell command can reach. */
export interface ShellEnv {
  printer: ShellPrinter;
  session: ShellSession;
  history: ShellHistory;
  /** Runs one of zk-coord's own commands (`config get …`, `ls -w …`) in this session; resolves with its exit code. */
  zkCoord(argv: string[]): Promise<number>;
  quit(): void;
}

type OptionSpec = Record<string, { type: 'boolean' | 'string'; short?: string }>;

export interface ShellCommand {
  name: string;
  /** zkCli's usage line. */
  usage: string;
  summary: string;
  options: OptionSpec;
  /** Positions of the arguments that are znode paths (for Tab). */
  pathArgs: readonly number[];
  /** Words after the command (for Tab), e.g. config's subcommands. */
  subcommands?: readonly string[];
  /** One of zk-coord's own commands: its words go to zk-coord's parser as they are, not zkCli's. */
  ownParser?: true;
  /** Resolves with the exit code when not 0; throws the errors exit-codes.ts maps. */
  run(env: ShellEnv, args: Parsed, words: string[]): Promise<number | void>;
}

export interface Parsed {
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** zkCli's flags (commons-cli): anywhere on the line, `--` ends them (`set /x -- -5`). */
function parse(command: ShellCommand, words: string[]): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: words, options: command.options, allowPositionals: true, strict: true });
    return { flags: values as Parsed['flags'], positionals };
  } catch (error) {
    const named = /'(-{1,2}[\w-]+)/.exec((error as Error).message)?.[1];
    const problem = (error as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? `option ${named} needs a value` : `unknown option ${named ?? ''}`;
    throw new UsageError(`${command.name}: ${problem.trim()}; usage: ${command.usage}`);
  }
}

function need(command: ShellCommand, args: Parsed, min: number, max = min): string[] {
  const n = args.positionals.length;
  if (n < min || n > max) throw new UsageError(`${command.name}: ${n < min ? 'missing arguments' : 'too many arguments'}; usage: ${command.usage}`);
  return args.positionals;
}

function versionFlag(value: string | boolean | undefined): number {
  if (typeof value !== 'string') return -1;
  try {
    return parseZnodeVersion(value);
  } catch {
    throw new UsageError(`-v: expected a znode version (a non-negative integer), got "${value}"`);
  }
}

function printStat(printer: ShellPrinter, path: string, stat: Stat): void {
  printer.result(zkStatLines(stat), statResultJson(path, stat));
}

/** Data as zkCli prints it, one line; escaped on a terminal so a znode cannot drive it. */
function dataLine(printer: ShellPrinter, data: Buffer): string {
  const text = data.toString('utf8');
  return printer.stdoutIsTTY ? escapeControl(text, true) : text;
}

const PROTECTED = (path: string): boolean => path === '/' || path === '/zookeeper' || path.startsWith('/zookeeper/');

const client = (env: ShellEnv): Promise<ZkClient> => env.session.ready();

export const SHELL_COMMANDS: readonly ShellCommand[] = [
  {
    name: 'ls',
    usage: 'ls [-s] [-w] [-R] path',
    summary: 'children of a node; -s with its stat, -R the whole subtree, -w follow the children until Ctrl+C',
    options: { stat: { type: 'boolean', short: 's' }, watch: { type: 'boolean', short: 'w' }, recursive: { type: 'boolean', short: 'R' } },
    pathArgs: [0],
    async run(env, args, words) {
      // -w: zk-coord's `ls -w`, a foreground stream of every change (zkCli arms one event; this keeps following).
      if (args.flags.watch) return env.zkCoord(['ls', ...words]);
      const [path] = need(this, args, 0, 1);
      const target = path ?? '/';
      const c = await client(env);
      if (args.flags.recursive) {
        // Breadth first, the node itself first: zkCli's order (ZKUtil.listSubTreeBFS).
        if (!(await c.exists(target))) throw new NoNodeError(target);
        const paths = await c.listTree(target);
        env.printer.result(paths.map((p) => escapeControl(p)), { path: target, paths });
        return;
      }
      const { children, stat } = await c.getChildren(target);
      const lines = [childrenListLine(children.map((n) => escapeControl(n)))];
      if (args.flags.stat) lines.push(...zkStatLines(stat));
      env.printer.result(lines, { path: target, children, ...(args.flags.stat ? { stat: statJson(stat) } : {}) });
    },
  },
  {
    name: 'get',
    usage: 'get [-s] [-w] path',
    summary: 'the data of a node; -s with its stat; -w one watch event, printed when it fires',
    options: { stat: { type: 'boolean', short: 's' }, watch: { type: 'boolean', short: 'w' } },
    pathArgs: [0],
    async run(env, args) {
      const [path] = need(this, args, 1) as [string];
      const c = await client(env);
      const { data, stat } = await c.getData(path, args.flags.watch ? env.session.watcher : undefined);
      const lines = [dataLine(env.printer, data), ...(args.flags.stat ? zkStatLines(stat) : [])];
      env.printer.result(lines, { path, ...dataJson(data), version: stat.version, ...(args.flags.stat ? { stat: statJson(stat) } : {}) });
    },
  },
  {
    name: 'stat',
    usage: 'stat [-w] path',
    summary: 'the stat of a node; -w one watch event (also for a node that does not exist yet)',
    options: { watch: { type: 'boolean', short: 'w' } },
    pathArgs: [0],
    async run(env, args) {
      const [path] = need(this, args, 1) as [string];
      const c = await client(env);
      const stat = await c.exists(path, args.flags.watch ? env.session.watcher : undefined);
      if (!stat) throw new NoNodeError(path);
      printStat(env.printer, path, stat);
    },
  },
  {
    name: 'set',
    usage: 'set [-s] [-v version] path data',
    summary: 'write the data of a node; -v only at that version; -s print the new stat',
    options: { stat: { type: 'boolean', short: 's' }, version: { type: 'string', short: 'v' } },
    pathArgs: [0],
    async run(env, args) {
      const [path, data] = need(this, args, 2) as [string, string];
      const version = versionFlag(args.flags.version);
      const c = await client(env);
      const stat = await c.setData(path, Buffer.from(data, 'utf8'), version).catch((error: unknown) => explainBadVersion(c, path, error, '-v'));
      if (args.flags.stat) printStat(env.printer, path, stat);
      else env.printer.result([], { path, version: stat.version });
    },
  },
  {
    name: 'create',
    usage: 'create [-s] [-e] [-c] path [data]',
    summary: 'create a node; -e ephemeral (held until the shell ends), -s sequential, -c container',
    options: { sequential: { type: 'boolean', short: 's' }, ephemeral: { type: 'boolean', short: 'e' }, container: { type: 'boolean', short: 'c' } },
    pathArgs: [0],
    async run(env, args) {
      const [path, data] = need(this, args, 1, 2) as [string, string | undefined];
      const value = Buffer.from(data ?? '', 'utf8');
      const c = await client(env);
      if (args.flags.container) {
        if (args.flags.ephemeral || args.flags.sequential) throw new UsageError('create: -c cannot be combined with -e or -s');
        const created = await c.createContainer(path, value);
        env.printer.result(`Created ${created}`, { path: created, container: true });
        return;
      }
      const mode: CreateMode = `${args.flags.ephemeral ? 'ephemeral' : 'persistent'}${args.flags.sequential ? '-sequential' : ''}` as CreateMode;
      const created = await c.create(path, value, mode);
      env.printer.result(`Created ${escapeControl(created)}`, { path: created, ephemeral: args.flags.ephemeral === true });
    },
  },
  {
    name: 'delete',
    usage: 'delete [-v version] path',
    summary: 'delete a node without children; -v only at that version',
    options: { version: { type: 'string', short: 'v' } },
    pathArgs: [0],
    async run(env, args) {
      const [path] = need(this, args, 1) as [string];
      const version = versionFlag(args.flags.version);
      const c = await client(env);
      await c.remove(path, version).catch((error: unknown) => {
        if (error instanceof NotEmptyError) throw withHint(error, `use deleteall ${path} to delete it with everything under it`);
        return explainBadVersion(c, path, error, '-v');
      });
      env.printer.result([], { path, deleted: true });
    },
  },
  {
    name: 'deleteall',
    usage: 'deleteall path',
    summary: 'delete a node and everything under it',
    options: {},
    pathArgs: [0],
    async run(env, args) {
      const [path] = need(this, args, 1) as [string];
      if (PROTECTED(path)) throw new UsageError(`refusing to delete ${path}`);
      const removed = await removeNode(await client(env), path, { recursive: true });
      env.printer.result([], { path, removed });
    },
  },
  {
    name: 'sync',
    usage: 'sync path',
    summary: 'make the server catch up with the leader before the next read',
    options: {},
    pathArgs: [0],
    async run(env, args) {
      const [path] = need(this, args, 1) as [string];
      await (await client(env)).sync(path);
      env.printer.result('Sync is OK', { path, synced: true });
    },
  },
  {
    name: 'addauth',
    usage: 'addauth digest user:password',
    summary: 'present digest credentials for the rest of the session (never written to the history file)',
    options: {},
    pathArgs: [],
    async run(env, args) {
      const [scheme, credentials] = need(this, args, 2) as [string, string];
      if (scheme !== 'digest') throw new UsageError(`addauth: only the digest scheme is supported, not "${scheme}"`);
      if (!/^[^:]+:.*$/.test(credentials)) throw new UsageError('addauth: expected user:password');
      await client(env);
      env.session.addDigest(credentials);
      env.printer.result([], { scheme, user: credentials.split(':')[0] });
    },
  },
  {
    name: 'whoami',
    usage: 'whoami',
    summary: 'this session: id, server, state, timeout, credentials',
    options: {},
    pathArgs: [],
    async run(env, args) {
      need(this, args, 0);
      const { session } = env;
      const info = {
        server: session.server,
        state: session.state,
        sessionId: session.client.sessionId,
        sessionTimeoutMs: session.client.sessionTimeoutMs,
        users: session.users,
      };
      env.printer.result(sessionInfoLines(info), sessionInfoJson(info));
    },
  },
  {
    name: 'history',
    usage: 'history',
    summary: 'the last commands, numbered for redo',
    options: {},
    pathArgs: [],
    async run(env, args) {
      need(this, args, 0);
      const recent = env.history.recent();
      env.printer.result(historyLines(recent), { history: recent });
    },
  },
  {
    name: 'redo',
    usage: 'redo cmdno',
    summary: 'run a command of the history again',
    options: {},
    pathArgs: [],
    // The shell runs `redo n` itself (the line it names takes its place); here only a wrong number of arguments lands.
    async run(_env, args) {
      need(this, args, 1);
    },
  },
  {
    name: 'config',
    usage: 'config get|set|watch|rm …',
    summary: "zk-coord's configuration commands in this session (config watch runs until Ctrl+C)",
    options: {},
    pathArgs: [1],
    subcommands: ['get', 'set', 'watch', 'rm'],
    ownParser: true,
    async run(env, _args, words) {
      if (words[0] === 'set' && words.some((w) => w === '-e' || w === '--ephemeral' || /^-[a-z]*e/.test(w))) {
        throw new UsageError('config set -e holds its node in a session of its own; in the shell, create -e holds it in this one');
      }
      return env.zkCoord(['config', ...words]);
    },
  },
  {
    name: 'discover',
    usage: 'discover [service] [--watch] [--random] [--base path] [--sync]',
    summary: "zk-coord's service discovery in this session (discover --watch runs until Ctrl+C)",
    options: {},
    pathArgs: [],
    ownParser: true,
    async run(env, _args, words) {
      return env.zkCoord(['discover', ...words]);
    },
  },
  {
    name: 'getAcl',
    usage: 'getAcl [-s] path',
    summary: "a node's ACL, as zkCli prints it; -s with its stat",
    options: { stat: { type: 'boolean', short: 's' } },
    pathArgs: [0],
    async run(env, args) {
      const [path] = need(this, args, 1) as [string];
      const { acl, stat } = await (await client(env)).getAcl(path);
      const lines = [...formatAclZkCli(acl), ...(args.flags.stat ? zkStatLines(stat) : [])];
      env.printer.result(lines, { path, acl, ...(args.flags.stat ? { stat: statJson(stat) } : {}) });
    },
  },
  {
    name: 'setAcl',
    usage: 'setAcl [-s] [-v version] [-R] path acl',
    summary: "replace a node's ACL (scheme:id:perms[,…], creator, open); -R the whole subtree; -v only at that version",
    options: { stat: { type: 'boolean', short: 's' }, version: { type: 'string', short: 'v' }, recursive: { type: 'boolean', short: 'R' } },
    pathArgs: [0],
    async run(env, args) {
      const [path, aclText] = need(this, args, 2) as [string, string];
      const acl = parseAclList([aclText]);
      const version = versionFlag(args.flags.version);
      const c = await client(env);
      const paths = args.flags.recursive ? await c.listTree(path) : [path];
      let stat: Stat | undefined;
      for (const p of paths) {
        const set = await c.setAcl(p, acl, p === path ? version : -1);
        if (p === path) stat = set;
      }
      if (args.flags.stat && stat) printStat(env.printer, path, stat);
      else env.printer.result([], { path, acl, updated: paths.length });
    },
  },
  {
    name: 'help',
    usage: 'help',
    summary: 'the commands',
    options: {},
    pathArgs: [],
    async run(env) {
      const width = Math.max(...SHELL_COMMANDS.map((c) => c.usage.length));
      env.printer.result(
        SHELL_COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
        { commands: SHELL_COMMANDS.map((c) => ({ name: c.name, usage: c.usage, summary: c.summary })) },
      );
    },
  },
  {
    name: 'quit',
    usage: 'quit',
    summary: 'end the session (its ephemeral nodes go with it); also exit, Ctrl+D',
    options: {},
    pathArgs: [],
    async run(env) {
      env.quit();
    },
  },
];

const ALIASES: Record<string, string> = { exit: 'quit', close: 'quit', '?': 'help' };

export function findCommand(name: string): ShellCommand | undefined {
  const wanted = ALIASES[name] ?? name;
  return SHELL_COMMANDS.find((c) => c.name === wanted);
}

/** Parses the words after the command name against its flags. */
export function parseCommand(command: ShellCommand, words: string[]): Parsed {
  // zk-coord's own commands (config, discover) hand their words to its parser: nothing is parsed here.
  return command.ownParser ? { flags: {}, positionals: words } : parse(command, words);
}

