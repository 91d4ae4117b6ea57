import { Option, type Command } from 'commander';
import { describeContenders } from '../../recipes/contenders/contenders.js';
import { ELECTION_COMPAT, LOCK_COMPAT, electionConventions } from '../../recipes/contenders/conventions.js';
import { describeLock, type LockCompat } from '../../recipes/contenders/lock-layout.js';
import { contendersJson, contendersLines, leasePoolJson, leasePoolLines } from '../../output/contenders.js';
import { parsePositiveInt } from '../options.js';
import { subcommand, type App } from '../program.js';

/**
 * `lock status <path>`: every layout kept on the path (sorted contenders, a library's lease pool), each in
 * its library's order; layouts or conventions that disagree get the warning `lock` refuses with (stderr;
 * JSON: `conflict`), and each view is shown.
 */
export function addLockStatus(lock: Command, app: App): void {
  subcommand(lock, 'status', 'who holds and who waits, in the order their library uses (Curator, kazoo or zk-coord)')
    .argument('<path>', 'lock znode')
    .option('--limit <n>', 'a zk-coord lock --limit N semaphore: the first n contenders hold', parsePositiveInt)
    .addOption(new Option('--compat <library>', 'order as this library does, and warn when the nodes there follow another').choices(LOCK_COMPAT))
    .addHelpText('after', '\nExamples:\n  zk-coord lock status /locks/deploy -o json\n  zk-coord lock status /locks/workers --limit 2')
    .action(async (path: string, flags: { limit?: number; compat?: LockCompat }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      const client = await ctx.connect();
      const view = await describeLock(client, path, { compat: flags.compat, slots: flags.limit });
      if (view.conflict) ctx.printer.warn(view.conflict);
      const entries: Array<readonly [string[], unknown]> = [];
      if (view.contenders) {
        const options = { recipe: 'lock' as const, slots: view.slots };
        entries.push([contendersLines(path, view.contenders, 'holder', options), { ...contendersJson(path, view.contenders, options), conflict: view.conflict ?? null }]);
      }
      for (const pool of view.pools) entries.push([leasePoolLines(path, pool), leasePoolJson(path, pool, view.conflict)]);
      ctx.printer.results(entries);
      await ctx.release(client);
    });
}

/** `elect status <path>`: the leader and the queue, in the order of the library their names follow. */
export function addElectStatus(elect: Command, app: App): void {
  subcommand(elect, 'status', 'who leads and who follows, in the order their library uses (Curator, kazoo or zk-coord)')
    .argument('<path>', 'election znode')
    .addOption(new Option('--compat <library>', 'order as this library does, and warn when the candidates there follow another').choices(ELECTION_COMPAT))
    .addHelpText('after', '\nExamples:\n  zk-coord elect status /election\n  zk-coord elect status /app/leader --compat curator-latch -o json')
    .action(async (path: string, flags: { compat?: (typeof ELECTION_COMPAT)[number] }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      const client = await ctx.connect();
      const view = await describeContenders(client, path, { compat: electionConventions(flags.compat), role: 'candidate' });
      if (view.conflict) ctx.printer.warn(view.conflict);
      ctx.printer.result(contendersLines(path, view, 'leader', { recipe: 'elect' }), contendersJson(path, view, { recipe: 'elect' }));
      await ctx.release(client);
    });
}
