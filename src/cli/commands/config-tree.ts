import { promises as fsPromises } from 'node:fs';
import { Option, type Command } from 'commander';
import { parseDocument, type TreeNode } from '../../recipes/config/document.js';
import { exportTree } from '../../recipes/config/export.js';
import { applyImport, planImport } from '../../recipes/config/import.js';
import { TreeCache, type TreeEvent } from '../../recipes/config/tree-cache.js';
import { ConfigWait, type WaitCondition, type WaitOutcome } from '../../recipes/config/wait.js';
import { StoppedError, WaitTimeoutError } from '../../recipes/errors.js';
import { importStepJson, importStepLine, importSummary, treeEventJson, treeEventLine, valueJson, waitOutcomeJson } from '../../output/config-tree.js';
import { escapeControl } from '../../output/escape.js';
import { readAllStdin, type Io } from '../../output/io.js';
import type { HookRunner } from '../../process/child.js';
import { ConnectFailedError, NoNodeError, ZkTimeoutError, TransactionTooLargeError, validatePath, type ZkClient } from '../../zk/index.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../exit-codes.js';
import { followUntilStopped } from '../follow.js';
import { parseSeconds } from '../options.js';
import { subcommand, type App } from '../program.js';

/** A path checked before anything connects: a bad one is a usage error (exit 2) and nothing happens. */
function checkedPath(path: string): string {
  const problem = validatePath(path);
  if (problem) throw new UsageError(`invalid path "${path}": ${problem}`);
  return path;
}

function printValue(ctx: CommandContext, data: Buffer, newline: boolean): void {
  const { printer } = ctx;
  // A znode must not be able to drive the terminal: escape control characters for human eyes.
  if (printer.stdoutIsTTY) printer.result(escapeControl(data.toString('utf8'), true), null);
  else printer.bytes(newline ? Buffer.concat([data, Buffer.from('\n')]) : data);
}

/**
 * `config get <path> <path>…`: every value read in one go, then printed: text, each value on its own line
 * in the order given; JSON, one object path → value. Any missing path fails the whole command (exit 5,
 * naming each), with nothing on stdout, so a script never reads shifted lines.
 */
export async function getMany(ctx: CommandContext, paths: readonly string[], opts: { stat?: boolean; sync?: boolean }): Promise<void> {
  if (opts.stat) throw new UsageError('-s/--stat takes one path');
  for (const path of paths) checkedPath(path);
  const client = await ctx.connect();
  if (opts.sync) await client.sync(paths[0] as string);
  const read = await Promise.all(
    paths.map((path) =>
      client.getData(path).then(
        ({ data }) => data,
        (error: unknown) => {
          if (error instanceof NoNodeError) return undefined;
          throw error;
        },
      ),
    ),
  );
  const missing = paths.filter((_, i) => read[i] === undefined);
  if (missing.length > 0) throw new NoNodeError(missing.join(', '));
  const values = read as Buffer[];
  if (ctx.printer.json) {
    ctx.printer.result([], Object.fromEntries(paths.map((path, i) => [path, valueJson(values[i] as Buffer)])));
    return;
  }
  for (const data of values) printValue(ctx, data, true);
}

/** The environment of a `config watch [-R] --exec` hook: the event, the path, and the value and version when there is one. */
export function hookEnv(event: { kind: string; path: string; data?: Buffer; stat?: { version: number } }): Record<string, string> {
  const env: Record<string, string> = { ZK_COORD_EVENT: event.kind, ZK_COORD_PATH: event.path, ZK_COORD_VALUE: '', ZK_COORD_VERSION: '' };
  if (event.data && event.stat) {
    env.ZK_COORD_VALUE = event.data.toString('utf8');
    env.ZK_COORD_VERSION = String(event.stat.version);
  }
  return env;
}

/**
 * What `config watch` and `config watch -R` set up alike: signals held for the follow loop, the session (one
 * SYNC first with --sync: the server catches up with the leader for every read after it), and the --exec hook
 * runner, loaded only then (it brings in child_process, which `config get` should not pay for).
 */
export async function startWatching(ctx: CommandContext, path: string, opts: WatchFlags): Promise<{ client: ZkClient; hooks: HookRunner | undefined }> {
  ctx.holdSignals();
  ctx.noChildArgs();
  checkedPath(path);
  const client = await ctx.connect();
  if (opts.sync) await client.sync(path);
  let hooks: HookRunner | undefined;
  if (opts.exec) {
    const { HookRunner } = await import('../../process/child.js');
    hooks = new HookRunner(opts.exec, ctx.io.env, (status) => ctx.printer.warn(`--exec command exited with ${status}`), opts.grace);
  }
  return { client, hooks };
}

/**
 * The end of `config watch [-R] --exec`: the running hook's group gets the signal zk-coord received (SIGKILL
 * after --grace); hooks of events not yet run are dropped, and said so: a stop means stop, not "after the backlog".
 */
export async function stopHooks(ctx: CommandContext, hooks: HookRunner | undefined, opts: WatchFlags): Promise<void> {
  if (!hooks) return;
  const dropped = await hooks.stop(ctx.stop.received ?? 'SIGTERM', opts.grace ?? 5000);
  if (dropped > 0) ctx.printer.note(`stopped: --exec not run for the last ${dropped} event(s)`);
}

/** `config watch` and `config watch -R` flags. */
export interface WatchFlags {
  exec?: string;
  recursive?: boolean;
  sync?: boolean;
  /** ms a running --exec hook may take after the stop signal before SIGKILL (with --exec only). */
  grace?: number;
}

/** `config watch -R <path>`: the tree cache, one line per node event, until SIGINT/SIGTERM. */
export async function watchTree(ctx: CommandContext, path: string, opts: WatchFlags): Promise<void> {
  const { client, hooks } = await startWatching(ctx, path, opts);
  const { printer } = ctx;
  const cache = new TreeCache(client, path);
  // Events of one turn of the event loop (a tree's initial load, a burst) go out in one write.
  let batch: (readonly [string, unknown])[] = [];
  const flush = (): void => {
    const out = batch;
    batch = [];
    printer.results(out);
  };
  cache.on('event', (event) => {
    if (batch.length === 0) setImmediate(flush);
    batch.push([treeEventLine(event), treeEventJson(event)]);
    hooks?.run(hookEnv(event));
  });
  cache.on('ready', () => {
    flush();
    printer.note(`watching ${cache.size} node(s) under ${path} (${cache.watchCount} watches)${cache.size === 0 ? `; ${path} does not exist yet` : ''}`);
  });
  try {
    await cache.start();
    await followUntilStopped(ctx, client, cache);
  } finally {
    // Also when the watch failed: no hook of a backlog may run on after the error.
    await stopHooks(ctx, hooks, opts);
  }
}

function waitCondition(opts: { exists?: boolean; deleted?: boolean; value?: string; changed?: boolean }): WaitCondition {
  const given = [opts.exists && '--exists', opts.deleted && '--deleted', opts.value !== undefined && '--value', opts.changed && '--changed'].filter(Boolean);
  if (given.length > 1) throw new UsageError(`give one condition, not ${given.join(' and ')}`);
  if (opts.deleted) return { kind: 'deleted' };
  if (opts.value !== undefined) return { kind: 'value', value: Buffer.from(opts.value, 'utf8') };
  if (opts.changed) return { kind: 'changed' };
  return { kind: 'exists' };
}

function describeCondition(path: string, condition: WaitCondition): string {
  switch (condition.kind) {
    case 'exists':
      return `${path} to exist`;
    case 'deleted':
      return `${path} to be deleted`;
    case 'value':
      return `${path} to hold ${JSON.stringify(condition.value.toString('utf8'))}`;
    case 'changed':
      return `${path} to change`;
  }
}

function describeMet(path: string, condition: WaitCondition): string {
  switch (condition.kind) {
    case 'exists':
      return `${path} exists`;
    case 'deleted':
      return `${path} does not exist`;
    case 'value':
      return `${path} holds ${JSON.stringify(condition.value.toString('utf8'))}`;
    case 'changed':
      return `${path} changed`;
  }
}

/**
 * Connects again after a lost session, a second between attempts while no server answers, until connected,
 * stopped, or `gaveUp()`: undefined then. Each attempt is bounded by --connect-timeout.
 */
async function reconnectUntil(ctx: CommandContext, gaveUp: () => boolean): Promise<ZkClient | undefined> {
  while (!gaveUp() && !ctx.stop.signal.aborted) {
    try {
      return await ctx.connect();
    } catch (error) {
      if (!(error instanceof ConnectFailedError || error instanceof ZkTimeoutError)) throw error;
      ctx.printer.warn(`${error.message}; still trying`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  return undefined;
}

/**
 * `config wait`: a ConfigWait through as many sessions as it takes. The deadline counts from the start of
 * the command; connecting is bounded by --connect-timeout as always. Resolves with what satisfied it, or
 * throws WaitTimeoutError (exit 6) or StoppedError (SIGINT/SIGTERM).
 */
async function waitUntil(ctx: CommandContext, path: string, condition: WaitCondition, timeoutMs: number | undefined): Promise<WaitOutcome> {
  const started = Date.now();
  const stop = ctx.stop.signal;
  let outcome: WaitOutcome | undefined;
  let failure: Error | undefined;
  let expired = false;
  let wake: () => void = () => {};
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => ((expired = true), wake()), Math.max(0, started + timeoutMs - Date.now()));
  const onAbort = (): void => wake();
  stop.addEventListener('abort', onAbort);
  const gaveUp = (): Error => new WaitTimeoutError(describeCondition(path, condition), timeoutMs ?? 0);
  let wait: ConfigWait | undefined;
  try {
    let client = await ctx.connect();
    wait = new ConfigWait(client, path, condition);
    wait.on('satisfied', (o) => ((outcome = o), wake()));
    wait.on('error', (error) => ((failure = error), wake()));
    await wait.start();
    for (;;) {
      if (outcome) return outcome;
      if (stop.aborted) throw new StoppedError(stop.reason);
      if (expired) throw gaveUp();
      if (client.state === 'lost') {
        // ZooKeeper dropped our watches with the session: build a new one, read again, check again.
        ctx.printer.note('building a new session to keep waiting');
        await ctx.release(client);
        const next = await reconnectUntil(ctx, () => expired);
        if (!next) continue;
        client = next;
        failure = undefined;
        await wait.rebind(client);
        continue;
      }
      if (failure) throw failure;
      const current = client;
      await new Promise<void>((resolve) => {
        const onState = (event: { state: string }): void => {
          if (event.state === 'lost') finish();
        };
        const finish = (): void => {
          current.off('state', onState);
          resolve();
        };
        wake = finish;
        current.on('state', onState);
        if (outcome || expired || failure || stop.aborted || current.state === 'lost') finish();
      });
    }
  } finally {
    wait?.stop();
    if (timer) clearTimeout(timer);
    stop.removeEventListener('abort', onAbort);
  }
}

async function readDocumentText(io: Io, file: string | undefined): Promise<string> {
  if (file === undefined || file === '-') {
    if (file === undefined && io.stdin.isTTY) throw new UsageError('no document given: pass a file, or "-" (or a pipe) for stdin');
    return (await readAllStdin(io)).toString('utf8');
  }
  try {
    return await fsPromises.readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

const FORMAT_HELP = `
Document format (what export writes and import reads):
  a node without children    its value as a JSON string                  "db_host=localhost"
  a node with children       an object: child name -> node; the node's   {"": "on", "beta": "yes"}
                             own value, if not empty, under the key ""
                             ("" is never a znode name)
  a value that is not UTF-8  {"base64": "..."} in that "" slot           {"": {"base64": "AAEC"}}
The top level is the exported node itself. Keys are sorted; export -> import -> export is byte-identical.`;

/** Registers `config wait`, `config export` and `config import` on the `config` group. */
export function registerConfigTree(config: Command, app: App): void {
  subcommand(config, 'wait', 'block until a znode exists, is deleted, holds a value or changes; exit 6 after --timeout')
    .argument('<path>', 'znode path (need not exist yet)')
    .option('--exists', 'until the node exists (the default)')
    .option('--deleted', 'until the node does not exist')
    .option('--value <text>', 'until the node holds exactly this value')
    .option('--changed', 'until the node differs from when the command started (new version, deleted, created)')
    .option('--timeout <duration>', 'give up (exit 6) after this long, counted from the start: 500ms, 60s, 2m; a bare number is seconds (default: wait forever)', parseSeconds)
    .addHelpText(
      'after',
      '\nPrints the value that satisfied the condition (exact bytes when piped; JSON: path, exists, value, version).\nWatches, no polling; already true at start: exits at once. Survives reconnects and lost sessions (re-checks).\n\nExamples:\n  zk-coord config wait /deploy/flag --value go --timeout 60s\n  V=$(zk-coord config wait /config/app/version --changed --timeout 5m)',
    )
    .action(async (path: string, opts: { exists?: boolean; deleted?: boolean; value?: string; changed?: boolean; timeout?: number }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      checkedPath(path);
      const condition = waitCondition(opts);
      ctx.holdSignals();
      const outcome = await waitUntil(ctx, path, condition, opts.timeout);
      if (ctx.printer.json) ctx.printer.result([], waitOutcomeJson(outcome));
      else if (outcome.exists) printValue(ctx, outcome.data, false);
      ctx.printer.note(describeMet(path, condition));
    });

  subcommand(config, 'export', 'print a subtree as one JSON document (nested objects; the format is in its --help)')
    .argument('<path>', 'znode path')
    .addOption(new Option('--binary <mode>', 'values that are not UTF-8: base64 ({"base64": …}) or skip (with a note on stderr)').choices(['base64', 'skip']).default('base64'))
    .option('--ephemeral', 'include ephemeral nodes (as ordinary values: an import creates them persistent)')
    .addHelpText('after', `${FORMAT_HELP}\n\nExamples:\n  zk-coord config export /config/app > app.json\n  zk-coord config export /config/app | jq -r '.database'`)
    .action(async (path: string, opts: { binary: 'base64' | 'skip'; ephemeral?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      checkedPath(path);
      const client = await ctx.connect();
      const result = await exportTree(client, path, { binary: opts.binary, includeEphemeral: opts.ephemeral === true });
      for (const skipped of result.skipped) ctx.printer.note(`skipped the binary value of ${skipped} (--binary skip)`);
      // The document is JSON in both formats: indented for people, one line with -o json.
      if (ctx.printer.json) ctx.printer.result([], result.document);
      else ctx.printer.result(JSON.stringify(result.document, null, 2), null);
    });

  subcommand(config, 'import', 'write a document (as export prints it) under a path, in one atomic transaction')
    .argument('<path>', 'znode path to write under (created, with its parents, if missing)')
    .argument('[file]', 'the document; "-" or omitted: stdin')
    .option('--dry-run', 'print the plan (create/update/delete per path) and change nothing')
    .option('--prune', 'also delete the nodes under the path that the document does not name (ephemeral ones are kept)')
    .option('--non-atomic', 'when the transaction is over one request\'s size, split it into several (each atomic, not the whole)')
    .addHelpText(
      'after',
      `\nOne ZooKeeper multi transaction: every node read is version-checked, so a concurrent writer makes the import\nfail (exit 6) with nothing changed. Prints each change (create/update/delete) on stdout, a summary on stderr.\n${FORMAT_HELP}\n\nExamples:\n  zk-coord config import /config/staging app.json --dry-run\n  zk-coord config export /config/prod | zk-coord config import /config/staging - --prune`,
    )
    .action(async (path: string, file: string | undefined, opts: { dryRun?: boolean; prune?: boolean; nonAtomic?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      checkedPath(path);
      const tree: TreeNode = parseDocument(await readDocumentText(ctx.io, file), path);
      const client = await ctx.connect();
      const plan = await planImport(client, path, tree, { prune: opts.prune === true });
      const limit = ctx.globals.maxRequestBytes;
      const { printer } = ctx;
      if (!opts.dryRun && !opts.nonAtomic && plan.requestBytes > limit) {
        const tooLarge = new TransactionTooLargeError(plan.requestBytes, limit, plan.ops.length);
        throw new UsageError(`${tooLarge.message}: refusing, nothing was changed (--non-atomic splits it into several transactions)`);
      }
      const applied = opts.dryRun ? undefined : await applyImport(client, plan, { nonAtomic: opts.nonAtomic === true, maxRequestBytes: limit });
      printer.results(plan.steps.map((step) => [importStepLine(step), { ...importStepJson(step), dryRun: opts.dryRun === true }] as const));
      const summary = importSummary(plan, applied);
      if (printer.json) {
        const count = (action: string): number => plan.steps.filter((s) => s.action === action).length;
        printer.result([], {
          summary: true,
          root: path,
          dryRun: opts.dryRun === true,
          created: count('create'),
          updated: count('update'),
          deleted: count('delete'),
          unchanged: plan.unchanged,
          operations: plan.ops.length,
          bytes: plan.requestBytes,
          transactions: applied?.transactions ?? 0,
        });
      } else {
        printer.note(summary);
      }
    });
}
