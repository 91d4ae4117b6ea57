import { promises as fsPromises } from 'node:fs';
import type { Command } from 'commander';
import { DataWatch, type DataEvent } from '../../recipes/data-watch.js';
import { createEphemeral, removeNode, writeValue } from '../../recipes/config.js';
import { escapeControl } from '../../output/escape.js';
import { askValue, canPrompt, confirm } from '../../output/prompt.js';
import { dataEventJson, dataEventLine, dataJson, statJson, statLines } from '../../output/render.js';
import type { Io } from '../../output/io.js';
import type { HookRunner } from '../../process/child.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { followUntilStopped } from '../follow.js';
import { holdNode } from '../hold.js';
import { parseNonNegativeInt } from '../options.js';
import { subcommand, type App } from '../program.js';

async function readStdin(io: Io): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** The value of `config set`: the argument, `-` (stdin), --file, or a prompt on a TTY. */
async function valueFor(io: Io, value: string | undefined, file: string | undefined): Promise<Buffer> {
  if (value !== undefined && file !== undefined) throw new UsageError('give the value as an argument or with --file, not both');
  if (file !== undefined) return fsPromises.readFile(file);
  if (value === '-') return readStdin(io);
  if (value !== undefined) return Buffer.from(value, 'utf8');
  if (canPrompt(io)) return Buffer.from(await askValue(io, 'value'), 'utf8');
  throw new UsageError('no value given: pass it as an argument, "-" to read stdin, or --file <path>');
}

/** The environment of a `config watch --exec` hook. */
function hookEnv(event: DataEvent): Record<string, string> {
  const env: Record<string, string> = { ZK_COORD_EVENT: event.kind, ZK_COORD_PATH: event.path, ZK_COORD_VALUE: '', ZK_COORD_VERSION: '' };
  if ('stat' in event) {
    env.ZK_COORD_VALUE = event.data.toString('utf8');
    env.ZK_COORD_VERSION = String(event.stat.version);
  }
  return env;
}

export function registerConfig(program: Command, app: App): void {
  const config = program.command('config').description('central configuration: get, set, watch and remove znode values');

  subcommand(config, 'get', 'print a znode value: exact bytes when piped, escaped on a terminal')
    .argument('<path>', 'znode path')
    .option('-s, --stat', 'also print the stat (zkCli get -s)')
    .addHelpText('after', '\nExamples:\n  DB=$(zk-coord config get /config/database)\n  zk-coord config get /config/database -s -o json')
    .action(async (path: string, opts: { stat?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      const client = await ctx.connect();
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

  subcommand(config, 'set', 'write a znode value, creating the node if absent')
    .argument('<path>', 'znode path')
    .argument('[value]', 'the value; "-" reads stdin; omitted on a terminal: asked for')
    .option('--file <file>', 'read the value from a file')
    .option('-p, --parents', 'create missing parent nodes')
    .option('--version <n>', 'compare-and-set: write only if the node is at this version (exit 6 otherwise)', parseNonNegativeInt)
    .option('-e, --ephemeral', 'create the node as ephemeral and hold it while this process runs (until SIGINT/SIGTERM)')
    .addHelpText(
      'after',
      '\nExamples:\n  zk-coord config set /config/database "db_host=localhost;db_port=5432" -p\n  zk-coord config set /config/database --version 3 "db_port=5433"\n  cat app.json | zk-coord config set /config/app -\n  zk-coord config set -e /config/database "db_host=localhost"   # seed 002: create -e',
    )
    .action(async (path: string, value: string | undefined, opts: { file?: string; parents?: boolean; version?: number; ephemeral?: boolean }) => {
      const ctx = app.context();
      // `config set /x -- -5`: a value that starts with a dash.
      if (value === undefined && ctx.childArgv.length === 1) value = ctx.childArgv[0];
      else ctx.noChildArgs();
      if (opts.ephemeral && opts.version !== undefined) throw new UsageError('--ephemeral creates a new node; --version does not apply');
      if (opts.ephemeral) ctx.holdSignals();
      const data = await valueFor(ctx.io, value, opts.file);
      const client = await ctx.connect();
      const { printer } = ctx;
      if (opts.ephemeral) {
        const stat = await createEphemeral(client, path, data, { createParents: opts.parents === true });
        const { outcome, held } = await holdNode(ctx, client, {
          path,
          what: `ephemeral node ${path}`,
          command: undefined,
          env: {},
          graceMs: 0,
          announce: () => {
            printer.result(`${path}`, { path, ephemeral: true, version: stat.version, session: client.sessionIdHex });
            printer.note(`holding ephemeral ${path} with session ${client.sessionIdHex}; Ctrl+C (SIGINT) or SIGTERM removes it`);
          },
        });
        if (outcome.kind === 'lost') {
          printer.error(outcome.error?.message ?? `lost ephemeral node ${path}`);
          ctx.exitCode = ExitCode.Lost;
          return;
        }
        await held.release();
        printer.note(`released ${path}`);
        return;
      }
      const result = await writeValue(client, path, data, {
        ...(opts.version !== undefined ? { version: opts.version } : {}),
        createParents: opts.parents === true,
      });
      if (printer.json) printer.result([], { path, version: result.stat.version, created: result.created });
      else printer.note(`${result.created ? 'created' : 'set'} ${path} (version ${result.stat.version})`);
    });

  subcommand(config, 'watch', 'print a znode value, then every change as it happens, until SIGINT/SIGTERM')
    .argument('<path>', 'znode path (need not exist yet)')
    .option('--exec <command>', 'run this shell command per event, with ZK_COORD_EVENT, ZK_COORD_PATH, ZK_COORD_VALUE, ZK_COORD_VERSION set')
    .addHelpText(
      'after',
      '\nEvents: initial, changed (with version), deleted, created. A burst of writes may be coalesced; its last value\nis always printed, and no version is printed twice. Survives reconnects; after a lost session it builds a new\none, re-reads and reports what changed meanwhile.\n\nExamples:\n  zk-coord config watch /config/database\n  zk-coord config watch /config/database -o json | jq .value\n  zk-coord config watch /config/app --exec \'echo "$ZK_COORD_EVENT v$ZK_COORD_VERSION" >> changes.log\'',
    )
    .action(async (path: string, opts: { exec?: string }) => {
      const ctx = app.context();
      ctx.holdSignals();
      ctx.noChildArgs();
      const client = await ctx.connect();
      const { printer } = ctx;
      let hooks: HookRunner | undefined;
      if (opts.exec) {
        // Loaded only with --exec: it brings in child_process, which `config get` should not pay for.
        const { HookRunner } = await import('../../process/child.js');
        hooks = new HookRunner(opts.exec, ctx.io.env, (status) => printer.warn(`--exec command exited with ${status}`));
      }
      const watch = new DataWatch(client, path);
      watch.on('event', (event) => {
        printer.result(dataEventLine(event), dataEventJson(event));
        hooks?.run(hookEnv(event));
      });
      await watch.start();
      await followUntilStopped(ctx, client, watch);
      await hooks?.idle();
    });

  subcommand(config, 'rm', 'delete a znode (asks first on a terminal)')
    .argument('<path>', 'znode path')
    .option('-R, --recursive', 'delete the whole subtree')
    .option('--version <n>', 'delete only if the node is at this version (exit 6 otherwise)', parseNonNegativeInt)
    .option('-y, --yes', 'do not ask (required without a terminal)')
    .action(async (path: string, opts: { recursive?: boolean; version?: number; yes?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      if (path === '/' || path === '/zookeeper' || path.startsWith('/zookeeper/')) throw new UsageError(`refusing to delete ${path}`);
      if (!opts.yes) {
        if (!canPrompt(ctx.io)) throw new UsageError('not a terminal: add --yes to delete without asking');
        const what = opts.recursive ? `${path} and everything under it` : path;
        if (!(await confirm(ctx.io, `delete ${what}?`))) {
          ctx.printer.note('nothing deleted');
          return;
        }
      }
      const client = await ctx.connect();
      const removed = await removeNode(client, path, {
        recursive: opts.recursive === true,
        ...(opts.version !== undefined ? { version: opts.version } : {}),
      });
      if (ctx.printer.json) ctx.printer.result([], { path, removed });
      else ctx.printer.note(`deleted ${path}${removed > 1 ? ` and ${removed - 1} nodes under it` : ''}`);
    });
}
