import type { Command } from 'commander';
import { ChildrenWatch } from '../../recipes/children-watch.js';
import { listNodes } from '../../recipes/tree.js';
import { childrenEventJson, childrenEventLines, treeEntryJson, treeEntryLine } from '../../output/render.js';
import { followUntilStopped } from '../follow.js';
import { subcommand, type App } from '../program.js';

export function registerLs(program: Command, app: App): void {
  subcommand(program, 'ls', 'list the children of a znode (zkCli ls), marking ephemeral nodes and their owner session')
    .argument('[path]', 'znode path', '/')
    .option('-R, --recursive', 'the whole subtree, one full path per line')
    .option('-s, --stat', 'long listing: version, size and a data preview of each node (who holds each claimed ID)')
    .option('-w, --watch', 'keep running and print each change of the children as it happens')
    .addHelpText('after', '\nExamples:\n  zk-coord ls /sequence -s\n  zk-coord ls / -R\n  zk-coord ls /election -w -o json')
    .action(async (path: string, opts: { recursive?: boolean; stat?: boolean; watch?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      if (opts.watch) ctx.holdSignals();
      const client = await ctx.connect();
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
        return;
      }
      for (const entry of entries) {
        ctx.printer.result(treeEntryLine(entry, { full: opts.recursive === true, long }), treeEntryJson(entry, long));
      }
    });
}
