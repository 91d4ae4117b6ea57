import type { Command } from 'commander';
import { ChildrenWatch } from '../../recipes/watch/children-watch.js';
import { listNodes, type TreeEntry } from '../../zk/tree.js';
import { escapeControl } from '../../output/escape.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { childrenEventJson, childrenEventLines, treeEntryJson, treeEntryLine } from '../../output/render.js';
import { followUntilStopped } from '../follow.js';
import { SYNC_HELP } from '../options.js';
import { watchTree } from './config-tree.js';
import { subcommand, type App } from '../program.js';

/** Nodes listed but not readable with our credentials: say so once, and end with the not-authorised code. */
function reportUnreadable(ctx: CommandContext, entries: readonly TreeEntry[]): void {
  const unreadable = entries.filter((e) => e.unreadable);
  if (unreadable.length === 0) return;
  const shown = unreadable.slice(0, 3).map((e) => escapeControl(e.path)).join(', ');
  const more = unreadable.length > 3 ? ` and ${unreadable.length - 3} more` : '';
  ctx.printer.warn(`not authorised to read ${unreadable.length === 1 ? 'node' : `${unreadable.length} nodes`} ${shown}${more} (listed, marked [not authorised]; set ZK_COORD_AUTH=user:password)`);
  ctx.exitCode = ExitCode.NotAuthorised;
}

export function registerLs(program: Command, app: App): void {
  subcommand(program, 'ls', 'list the children of a znode (zkCli ls), marking ephemeral nodes and their owner session', { zkCliFlags: true })
    .argument('[path]', 'znode path', '/')
    .option('-R, --recursive', 'the whole subtree, one full path per line')
    .option('-s, --stat', 'long listing: version, size and a data preview of each node (who holds each claimed ID)')
    .option('-w, --watch', 'keep running and print each change of the children as it happens (with -R: of the whole subtree, as config watch -R)')
    .option('--sync', SYNC_HELP)
    .addHelpText('after', '\nAs in zkCli, -s after ls is the stat (long listing); the server is --server here, or -s before ls.\n\nExamples:\n  zk-coord ls /sequence -s\n  zk-coord ls / -R\n  zk-coord ls /election -w -o json')
    .action(async (path: string, opts: { recursive?: boolean; stat?: boolean; watch?: boolean; sync?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      // -R -w: the whole subtree, as `config watch -R` (a tree cache: every node's data and children).
      if (opts.watch && opts.recursive) return watchTree(ctx, path, { sync: opts.sync === true });
      if (opts.watch) ctx.holdSignals();
      const client = await ctx.connect();
      if (opts.sync) await client.sync(path);
      if (opts.watch) {
        const watch = new ChildrenWatch(client, path);
        watch.on('event', (event) => ctx.printer.result(childrenEventLines(event), childrenEventJson(event)));
        await watch.start();
        await followUntilStopped(ctx, client, watch);
        return;
      }
      const long = opts.stat === true;
      const entries = await listNodes(client, path, { recursive: opts.recursive === true, withData: long });
      if (ctx.printer.json && !opts.recursive) {
        ctx.printer.result([], { path, children: entries.map((e) => treeEntryJson(e, long)) });
        reportUnreadable(ctx, entries);
        return;
      }
      for (const entry of entries) {
        ctx.printer.result(treeEntryLine(entry, { full: opts.recursive === true, long }), treeEntryJson(entry, long));
      }
      reportUnreadable(ctx, entries);
    });
}
