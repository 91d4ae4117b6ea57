import { hostname } from 'node:os';
import { Option, type Command } from 'commander';
import { queueItemStep } from '../../hold/index.js';
import { DEFAULT_PRIORITY, QueueEmptyError, listQueue, popItem, pushItems } from '../../recipes/queue/queue.js';
import { escapeControl } from '../../output/escape.js';
import { dataJson } from '../../output/render.js';
import { readAllStdin, type Io } from '../../output/io.js';
import { hex } from '../../zk/index.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { HOLDER_HELP, addHolderOptions, holderAcl, holderResult, refusedUnrunnable, runHolder, type HolderFlags } from '../holding.js';
import { checkTargetPath, parsePriority, parseSeconds } from '../options.js';
import { subcommand, type App } from '../program.js';
import type { CommandContext } from '../context.js';

/** Environment values cannot hold NUL, and one string may be at most 128 KiB (Linux MAX_ARG_STRLEN). */
const MAX_ENV_ITEM_BYTES = 64 * 1024;

async function stdinLines(io: Io): Promise<Buffer[]> {
  const text = await readAllStdin(io);
  const items: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i += 1) {
    if (i === text.length || text[i] === 0x0a) {
      let end = i;
      if (end > start && text[end - 1] === 0x0d) end -= 1;
      // Blank lines carry no item: `ls tests/ | zk-coord queue push /q` must not push an empty one.
      if (end > start) items.push(text.subarray(start, end));
      start = i + 1;
    }
  }
  return items;
}

function itemText(data: Buffer, tty: boolean): string {
  const text = data.toString('utf8');
  return tty ? escapeControl(text) : text;
}

interface WorkFlags extends HolderFlags {
  untilEmpty?: boolean;
  requeueFailed?: boolean;
  name?: string;
}

async function work(ctx: CommandContext, path: string, flags: WorkFlags): Promise<void> {
  checkTargetPath(path, 'a queue');
  const command = ctx.childCommand(flags.exec);
  if (!command) throw new UsageError('queue work needs a command to run per item: --exec <command> or -- cmd…');
  if (refusedUnrunnable(ctx, command)) return;
  const acl = holderAcl(ctx, flags);
  const { printer } = ctx;
  const name = flags.name ?? `${hostname()}:${process.pid}`;
  const tally = { done: 0, failed: 0, lost: 0 };
  let lastWaiting: string | undefined;
  try {
    await runHolder(ctx, flags, command, {
      // A lost session costs at most the item it held, which is delivered again: go on with a new session.
      again: true,
      againWhileWaiting: true,
      status: { recipe: 'queue', path, name, held: 'holder', waiting: 'waiting' },
      acquire: (client, waiting) => {
        // A new acquire (a new session after a loss): its first waiting line is news again.
        lastWaiting = undefined;
        return queueItemStep(client, {
          queue: path,
          owner: Buffer.from(name, 'utf8'),
          untilEmpty: flags.untilEmpty === true,
          requeueFailed: flags.requeueFailed === true,
          acl: acl.acl,
          onWaiting: (entries, taken) => {
            // Every wake-up (an item pushed or taken anywhere) waits again: say so only when the line changes.
            const line = entries === 0 ? `waiting for items in ${path}` : `waiting: ${taken} of ${entries} items of ${path} taken by other workers, none free yet`;
            if (line !== lastWaiting) printer.note(line);
            lastWaiting = line;
            waiting?.(undefined);
          },
        });
      },
      env: (hold, client) => {
        const item = hold.detail.data;
        const env: Record<string, string> = {
          ZK_COORD_PATH: path,
          ZK_COORD_NAME: name,
          ZK_COORD_ITEM_ID: hold.detail.name,
          ZK_COORD_PRIORITY: String(hold.detail.priority),
          ZK_COORD_TOKEN: hold.token.toString(),
          ZK_COORD_SESSION: client.sessionIdHex,
        };
        if (item.length <= MAX_ENV_ITEM_BYTES && !item.includes(0)) env.ZK_COORD_ITEM = item.toString('utf8');
        return env;
      },
      input: (hold) => hold.detail.data,
      announce: (hold, client) => {
        lastWaiting = undefined;
        holderResult(printer, true, `took ${hold.detail.name} of ${path}: ${escapeControl(hold.detail.data.subarray(0, 200).toString('utf8'))}`, {
          event: 'took',
          path,
          node: hold.path,
          item: hold.detail.name,
          priority: hold.detail.priority,
          ...dataJson(hold.detail.data),
          token: hold.token.toString(),
          session: client.sessionIdHex,
        });
      },
      onOutcome: (outcome, hold) => {
        if (outcome.kind === 'lost') tally.lost += 1;
        if (outcome.kind !== 'command-exited' || !hold) return;
        if (outcome.status === 0) tally.done += 1;
        else {
          tally.failed += 1;
          printer.warn(`${hold.detail.name} failed (exit ${outcome.status}): ${flags.requeueFailed ? 'released back to the queue' : 'consumed, counted as failed'}`);
        }
      },
      next: (outcome) => outcome.kind === 'command-exited',
    });
  } catch (error) {
    if (!(error instanceof QueueEmptyError)) throw error;
    printer.note(`${path} is empty`);
    ctx.exitCode = 0;
  }
  holderResult(printer, true, `${tally.done + tally.failed} items run: ${tally.done} ok, ${tally.failed} failed${tally.lost ? `, ${tally.lost} lost with the session (delivered again)` : ''}`, {
    event: 'done',
    path,
    run: tally.done + tally.failed,
    ok: tally.done,
    failed: tally.failed,
    lost: tally.lost,
  });
  if (ctx.stop.signal.aborted) return;
  ctx.exitCode = tally.failed > 0 ? ExitCode.Internal : tally.lost > 0 ? ExitCode.Lost : ExitCode.Ok;
}

export function registerQueue(program: Command, app: App): void {
  const queue = program
    .command('queue')
    .description("a work queue (kazoo LockingQueue layout): push items, work through them with a command, pop or list them")
    .addHelpText(
      'after',
      `
Layout (kazoo LockingQueue, so kazoo producers and consumers share it): <path>/entries/entry-PPP-<seq> holds
each item; a consumer holds one by the ephemeral <path>/taken/<entry>; priority PPP 000-999, lower first,
then first in, first out.

Examples:
  ls tests/*.py | zk-coord queue push /ci/$CI_PIPELINE_ID/tests
  zk-coord queue work /ci/$CI_PIPELINE_ID/tests --until-empty -- sh -c 'pytest "$ZK_COORD_ITEM"'
  zk-coord queue ls /ci/$CI_PIPELINE_ID/tests
  ITEM=$(zk-coord queue pop /jobs --wait --timeout 30s)`,
    );

  subcommand(queue, 'push', 'append items (the arguments, or one per line of stdin) and print how many')
    .argument('<path>', 'queue znode')
    .argument('[items...]', 'the items; none: one per non-empty line of stdin')
    .addOption(new Option('--priority <0-999>', 'lower is taken first').argParser(parsePriority).default(DEFAULT_PRIORITY))
    .addHelpText('after', '\nAs few transactions as fit in a request carry them (each all or nothing). An item too large for one request\nis refused before anything is written (exit 2).\n\nExamples:\n  ls tests/*.py | zk-coord queue push /ci/$CI_PIPELINE_ID/tests')
    .action(async (path: string, args: string[], flags: { priority: number }) => {
      const ctx = app.context();
      checkTargetPath(path, 'a queue');
      const items = [...args, ...ctx.childArgv].map((a) => Buffer.from(a, 'utf8'));
      if (items.length === 0 && ctx.io.stdin.isTTY) throw new UsageError('no items: give them as arguments, or pipe them in, one per line');
      const all = items.length > 0 ? items : await stdinLines(ctx.io);
      const client = await ctx.connect();
      const result = await pushItems(client, path, all, { priority: flags.priority });
      ctx.printer.result(`pushed ${result.pushed}`, { path, pushed: result.pushed, priority: flags.priority, transactions: result.transactions });
    });

  addHolderOptions(
    subcommand(queue, 'work', 'take items one at a time and run a command on each (at least once, never two live workers at once)')
      .argument('<path>', 'queue znode')
      .option('--until-empty', 'exit once no item is left (items taken by live workers count as not done: wait for them)')
      .option('--requeue-failed', 'a command that fails releases its item back to the queue (default: consumed and counted)')
      .option('--name <text>', 'who holds an item, stored in its taken node and shown by queue ls (default host:pid)'),
    'on each item',
  )
    .addHelpText(
      'after',
      `
Each item: held by the ephemeral taken/ node, then the command runs with the item in ZK_COORD_ITEM (when
under 64 KiB and without NUL bytes) and on its stdin (always, exactly), with ZK_COORD_ITEM_ID,
ZK_COORD_PRIORITY, ZK_COORD_PATH, ZK_COORD_NAME, ZK_COORD_TOKEN and ZK_COORD_SESSION; when it exits, the
item is consumed (entry and taken node deleted in one transaction). A failing command's item is consumed and
counted (exit 1 at the end) unless --requeue-failed. A worker that dies or loses its session mid-item: the
taken node goes with the session and the item is delivered again (at least once, never lost); the
supervision below stops the command before the session can expire, so no two live workers ever run the same
item. SIGINT/SIGTERM: the running command is stopped, its item released back, exit 130/143 (or its status).
${HOLDER_HELP}

Examples:
  zk-coord queue work /ci/$CI_PIPELINE_ID/tests --until-empty -- sh -c 'pytest "$ZK_COORD_ITEM"'`,
    )
    .action((path: string, flags: WorkFlags) => work(app.context(), path, flags));

  subcommand(queue, 'pop', 'take one item, delete it and print it (at most once)')
    .argument('<path>', 'queue znode')
    .option('--wait', 'wait for an item when none is free (default: exit 5)')
    .option('--timeout <duration>', 'with --wait: give up after this long (exit 6; bare number: seconds)', parseSeconds)
    .addHelpText('after', '\nExamples:\n  ITEM=$(zk-coord queue pop /jobs --wait --timeout 30s)')
    .action(async (path: string, flags: { wait?: boolean; timeout?: number }) => {
      const ctx = app.context();
      checkTargetPath(path, 'a queue');
      ctx.noChildArgs();
      if (flags.timeout !== undefined && !flags.wait) throw new UsageError('--timeout applies to --wait');
      ctx.holdSignals();
      const client = await ctx.connect();
      const item = await popItem(client, path, {
        owner: Buffer.from(`${hostname()}:${process.pid}`, 'utf8'),
        signal: ctx.stop.signal,
        noWait: flags.wait !== true,
        deadline: flags.timeout !== undefined ? Date.now() + flags.timeout : undefined,
        timeoutMs: flags.timeout,
      });
      const { printer } = ctx;
      if (printer.json) printer.result([], { path, name: item.name, priority: item.priority, ...dataJson(item.data) });
      else if (printer.stdoutIsTTY) printer.result(itemText(item.data, true), null);
      else printer.bytes(Buffer.concat([item.data, Buffer.from('\n')]));
    });

  subcommand(queue, 'ls', 'list the items in the order they are taken, each waiting or taken by whom')
    .argument('<path>', 'queue znode')
    .addHelpText('after', '\nExamples:\n  zk-coord queue ls /ci/$CI_PIPELINE_ID/tests')
    .action(async (path: string) => {
      const ctx = app.context();
      ctx.noChildArgs();
      const client = await ctx.connect();
      const entries = await listQueue(client, path);
      const { printer } = ctx;
      const tty = printer.stdoutIsTTY;
      printer.results(
        entries.map((e) => [
          `${e.name}  ${e.taken ? `taken by ${itemText(Buffer.from(e.taken.by), true)}` : 'waiting'}  ${itemText(e.data, tty)}`,
          {
            name: e.name,
            priority: e.priority,
            sequence: e.sequence,
            ...dataJson(e.data),
            state: e.taken ? 'taken' : 'waiting',
            ...(e.taken ? { takenBy: e.taken.by, session: hex(e.taken.session) } : {}),
          },
        ]),
      );
      if (entries.length === 0) printer.note(`${path}: no items`);
    });
}
