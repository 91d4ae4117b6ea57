import { promises as fsPromises } from 'node:fs';
import { Option, type Command } from 'commander';
import { DataWatch, type DataEvent } from '../../recipes/watch/data-watch.js';
import { removeNode, writeValue } from '../../recipes/config/values.js';
import { ephemeralNodeStep } from '../../hold/index.js';
import { escapeControl, plural } from '../../output/escape.js';
import { askValue, canPrompt, confirm } from '../../output/prompt.js';
import { dataEventJson, dataEventLine, dataJson, statJson, statLines } from '../../output/render.js';
import { readAllStdin, type Io } from '../../output/io.js';
import { UsageError } from '../exit-codes.js';
import { followUntilStopped } from '../follow.js';
import { HOLDER_HELP, addHolderOptions, holderOptionsGiven, holderResult, runHolder, type HolderFlags } from '../holding.js';
import type { ChildCommand } from '../../process/child.js';
import { SYNC_HELP, checkTargetPath, parseSeconds, parseZnodeVersion } from '../options.js';
import { subcommand, type App } from '../program.js';
import { BadVersionError, NoNodeError, NotEmptyError, parseHolderAcl } from '../../zk/index.js';
import { HeldByOtherError } from '../../recipes/ownership.js';
import { explainBadVersion, missingParentHint, withHint } from '../hints.js';
import { collectAcl } from '../security.js';
import { getMany, hookEnv, registerConfigTree, startWatching, stopHooks, watchTree, type WatchFlags } from './config-tree.js';

/** The value of `config set`: the argument, `-` (stdin), --file, or a prompt on a TTY. */
async function valueFor(io: Io, value: string | undefined, file: string | undefined): Promise<Buffer> {
  if (value !== undefined && file !== undefined) throw new UsageError('give the value as an argument or with --file, not both');
  if (file !== undefined) return fsPromises.readFile(file);
  if (value === '-') return readAllStdin(io);
  if (value !== undefined) return Buffer.from(value, 'utf8');
  if (canPrompt(io)) return Buffer.from(await askValue(io, 'value'), 'utf8');
  throw new UsageError('no value given: pass it as an argument, "-" to read stdin, or --file <path>');
}

/** config set's own flags, and with -e the holder's (HolderFlags; its --acl is also the plain write's). */
interface SetFlags extends HolderFlags {
  file?: string;
  parents?: boolean;
  version?: number;
  ephemeral?: boolean;
}

export function registerConfig(program: Command, app: App): void {
  const config = program
    .command('config')
    .description('central configuration: get, set, watch and remove znode values')
    .addHelpText('after', '\nExamples:\n  zk-coord config set /config/app v1 -p\n  zk-coord config get /config/app');

  subcommand(config, 'get', 'print a znode value: exact bytes when piped, escaped on a terminal; several paths: one value per line')
    .argument('<path...>', 'znode path(s); with several, text prints each value on its own line, JSON one object path -> value')
    .option('--stat', 'also print the stat (zkCli get -s; -s is the server here, as after every zk-coord command)')
    .option('--sync', SYNC_HELP)
    .addHelpText('after', '\nExamples:\n  DB=$(zk-coord config get /config/database)\n  zk-coord config get /config/database --stat -o json\n  { read -r HOST; read -r PORT; } < <(zk-coord config get /config/db/host /config/db/port)\n  zk-coord config get /config/database --sync   # sees every write committed before it, through any server')
    .action(async (paths: string[], opts: { stat?: boolean; sync?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      if (paths.length > 1) return getMany(ctx, paths, opts);
      const path = paths[0] as string;
      const client = await ctx.connect();
      if (opts.sync) await client.sync(path);
      const { data, stat } = await client.getData(path);
      const { printer } = ctx;
      if (printer.json) {
        printer.result([], { path, ...dataJson(data), version: stat.version, ...(opts.stat ? { stat: statJson(stat) } : {}) });
        return;
      }
      if (printer.stdoutIsTTY) {
        // A znode must not be able to drive the terminal: escape control characters for human eyes.
        printer.result(escapeControl(data.toString('utf8'), true), null);
      } else {
        printer.bytes(data);
      }
      if (opts.stat) printer.result(printer.stdoutIsTTY || data.length === 0 ? statLines(stat) : ['', ...statLines(stat)], null);
    });

  const set = subcommand(config, 'set', 'write a znode value, creating the node if absent')
    .argument('<path>', 'znode path')
    .argument('[value]', 'the value; "-" reads stdin; omitted on a terminal: asked for')
    .option('--file <file>', 'read the value from a file')
    .option('-p, --parents', 'create missing parent nodes')
    .option('--version <n>', 'compare-and-set: write only if the node is at this version (exit 6 otherwise)', parseZnodeVersion)
    .option('-e, --ephemeral', 'create the node as ephemeral and hold it while this process runs (until SIGINT/SIGTERM), or while a command runs (after --, or --exec); the holder options below apply')
    .option('--acl <acl>', 'ACL of the node when it is created (zkCli forms, comma-separated or repeated, see acl --help; "creator": only ZK_COORD_AUTH may change or delete it)', collectAcl);
  addHolderOptions(set, 'while -e holds the node; the node goes when it exits', { acl: false })
    .addHelpText(
      'after',
      `
With -e, everything after -- is the command (a value starting with a dash: --file or stdin). Without -e, a lone
argument after -- is the value: config set /x -- -5.
${HOLDER_HELP}

Examples:
  zk-coord config set /config/database "db_host=localhost;db_port=5432" -p
  zk-coord config set /config/database --version 3 "db_port=5433"
  cat app.json | zk-coord config set /config/app -
  zk-coord config set -e /config/database "db_host=localhost"   # seed 002: create -e
  zk-coord config set -e -p /services/web/active "$(hostname)" -- ./serve.sh   # the node lives while serve.sh runs`,
    )
    .action(async (path: string, value: string | undefined, opts: SetFlags, cmd: Command) => {
      const ctx = app.context();
      let command: ChildCommand | undefined;
      if (opts.ephemeral) {
        // `config set -e /x value -- cmd`: the command held under the node, as in claim and lock.
        command = ctx.childCommand(opts.exec);
      } else {
        const holding = holderOptionsGiven(cmd);
        if (holding.length > 0) throw new UsageError(`${holding.join(', ')}: only with -e (--ephemeral), which holds the node`);
        // `config set /x -- -5`: a value that starts with a dash.
        if (value === undefined && ctx.childArgv.length === 1) value = ctx.childArgv[0];
        else ctx.noChildArgs();
      }
      if (opts.ephemeral && opts.version !== undefined) throw new UsageError('--ephemeral creates a new node; --version does not apply');
      checkTargetPath(path, opts.ephemeral ? 'an ephemeral node' : 'a configuration value');
      const acl = opts.acl ? parseHolderAcl(opts.acl, ctx.globals.auth !== undefined) : undefined;
      const data = await valueFor(ctx.io, value, opts.file);
      const { printer } = ctx;
      if (opts.ephemeral) {
        await runHolder(ctx, opts, command, {
          again: false,
          status: { recipe: 'config', path, held: 'holder', waiting: 'waiting' },
          acquire: (client) => {
            const step = ephemeralNodeStep(client, { path, data, createParents: opts.parents === true, ...acl });
            return (signal) =>
              step(signal).catch((error: unknown) => {
                if (error instanceof HeldByOtherError && error.owner === 0n) throw withHint(error, `-e creates an ephemeral node of its own: delete this one first (zk-coord config rm ${path}) or choose another path`);
                if (error instanceof HeldByOtherError) throw withHint(error, 'another process holds it; it goes when that session ends');
                if (error instanceof NoNodeError && !opts.parents) throw withHint(error, missingParentHint(path));
                throw error;
              });
          },
          env: (hold, client) => ({ ZK_COORD_PATH: path, ZK_COORD_TOKEN: hold.token.toString(), ZK_COORD_SESSION: client.sessionIdHex }),
          announce: (hold, client) => {
            holderResult(printer, command !== undefined, command ? `holding ${path}` : path, { event: 'holding', path, node: hold.path, ephemeral: true, version: hold.detail.version, session: client.sessionIdHex, token: hold.token.toString() });
            const until = command ? 'removed when the command exits, or on Ctrl+C (SIGINT) or SIGTERM' : 'Ctrl+C (SIGINT) or SIGTERM removes it';
            printer.note(`holding ephemeral ${path} with session ${client.sessionIdHex}; ${until}`);
          },
        });
        return;
      }
      const client = await ctx.connect();
      const result = await writeValue(client, path, data, {
        ...(opts.version !== undefined ? { version: opts.version } : {}),
        createParents: opts.parents === true,
        ...acl,
      }).catch(async (error: unknown) => {
        if (error instanceof NoNodeError && opts.version !== undefined) throw withHint(error, 'a compare-and-set (--version) needs the node to exist; drop --version to create it');
        if (error instanceof NoNodeError && !opts.parents) throw withHint(error, missingParentHint(path));
        return explainBadVersion(client, path, error);
      });
      if (acl && !result.created) printer.warn(`${path} already existed: --acl applies only when a node is created (use zk-coord acl set)`);
      if (printer.json) printer.result([], { path, version: result.stat.version, created: result.created });
      else printer.note(`${result.created ? 'created' : 'set'} ${path} (version ${result.stat.version})`);
    });

  subcommand(config, 'watch', 'print a znode value, then every change as it happens, until SIGINT/SIGTERM')
    .argument('<path>', 'znode path (need not exist yet)')
    .option('--exec <command>', 'run this shell command per event, with ZK_COORD_EVENT, ZK_COORD_PATH, ZK_COORD_VALUE, ZK_COORD_VERSION set')
    .option('-R, --recursive', 'the whole subtree: every create, change and delete at any depth, one line per node with its full path')
    .addOption(new Option('--grace <duration>', 'with --exec, on SIGINT/SIGTERM: how long a running hook may take before SIGKILL (bare number: seconds)').argParser(parseSeconds).default(5000, '5s'))
    .option('--sync', `${SYNC_HELP} (the first read)`)
    .addHelpText(
      'after',
      '\nEvents: initial, changed (with version), deleted, created. A burst of writes may be coalesced; its last value\nis always printed, and no version is printed twice. Survives reconnects; after a lost session it builds a new\none, re-reads and reports what changed meanwhile.\n\n--exec: one hook at a time, in event order, each in a process group of its own, stdin /dev/null (never the\nterminal: Ctrl+C is for zk-coord), its stdout on stderr (stdout carries the events). SIGINT/SIGTERM reaches the\nwhole group of the running hook (SIGKILL after --grace, also the time what a hook left running gets after it\nexits); hooks of events not run yet are dropped (said on stderr). No timeout of its own: a hook that hangs\nholds up the next ones, so bound it (timeout 30 …).\n\nExamples:\n  zk-coord config watch /config/database\n  zk-coord config watch /config/database -o json | jq --unbuffered .value\n  zk-coord config watch /config/app --exec \'echo "$ZK_COORD_EVENT v$ZK_COORD_VERSION" >> changes.log\'',
    )
    .action(async (path: string, opts: WatchFlags) => {
      const ctx = app.context();
      if (opts.recursive) return watchTree(ctx, path, opts);
      const { client, hooks } = await startWatching(ctx, path, opts);
      const { printer } = ctx;
      const watch = new DataWatch(client, path);
      watch.on('event', (event) => {
        printer.result(dataEventLine(event), dataEventJson(event));
        hooks?.run(hookEnv(event));
      });
      try {
        await watch.start();
        await followUntilStopped(ctx, client, watch);
      } finally {
        await stopHooks(ctx, hooks, opts);
      }
    });

  subcommand(config, 'rm', 'delete a znode (asks first on a terminal)')
    .argument('<path>', 'znode path')
    .option('-R, --recursive', 'delete the whole subtree')
    .option('--version <n>', 'delete only if the node is at this version (exit 6 otherwise)', parseZnodeVersion)
    .option('-y, --yes', 'do not ask (required without a terminal)')
    .addHelpText('after', '\nChecked before asking: a missing node (exit 5), children without -R or another version (exit 6).\n\nExamples:\n  zk-coord config rm /config/old -R -y\n  zk-coord config rm /config/database --version 3 -y   # only if nobody changed it since version 3')
    .action(async (path: string, opts: { recursive?: boolean; version?: number; yes?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      if (path === '/' || path === '/zookeeper' || path.startsWith('/zookeeper/')) throw new UsageError(`refusing to delete ${path}`);
      if (!opts.yes && !canPrompt(ctx.io)) throw new UsageError('not a terminal: add --yes (-y) to delete without asking');
      const client = await ctx.connect();
      // Checked before asking: a "yes" that then fails (missing node, children without -R) wastes the question.
      const stat = await client.exists(path);
      if (!stat) throw new NoNodeError(path);
      if (!opts.recursive && stat.numChildren > 0) {
        throw withHint(new NotEmptyError(path), `${plural(stat.numChildren, 'child', 'children')} under it; add -R (--recursive) to delete them too`);
      }
      if (opts.version !== undefined && stat.version !== opts.version) {
        throw withHint(new BadVersionError(path), `the node is at version ${stat.version} now (--version ${stat.version} to delete it at that version)`);
      }
      if (!opts.yes) {
        const what = opts.recursive ? `${path} and everything under it` : path;
        if (!(await confirm(ctx.io, `delete ${what}?`))) {
          ctx.printer.note('nothing deleted');
          return;
        }
      }
      const removed = await removeNode(client, path, {
        recursive: opts.recursive === true,
        ...(opts.version !== undefined ? { version: opts.version } : {}),
      }).catch((error: unknown) => explainBadVersion(client, path, error));
      if (ctx.printer.json) ctx.printer.result([], { path, removed });
      else ctx.printer.note(`deleted ${path}${removed > 1 ? ` and ${plural(removed - 1, 'node')} under it` : ''}`);
    });

  registerConfigTree(config, app);
}
