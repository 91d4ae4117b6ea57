import type { Command } from 'commander';
import { listInstances, listServices, pickRandom } from '../../recipes/discovery/queries.js';
import { endpointOf, invalidSegment } from '../../recipes/discovery/service-instance.js';
import { ServiceWatch } from '../../recipes/discovery/service-watch.js';
import { instanceLine, instancesJson, invalidInstanceNote, serviceEventJson, serviceEventLines, servicesLines } from '../../output/instances.js';
import { joinPath, validatePath } from '../../zk/index.js';
import { UsageError } from '../exit-codes.js';
import { followUntilStopped } from '../follow.js';
import { SYNC_HELP } from '../options.js';
import { subcommand, type App } from '../program.js';

interface DiscoverFlags {
  watch?: boolean;
  random?: boolean;
  base: string;
  sync?: boolean;
}

export function registerDiscover(program: Command, app: App): void {
  subcommand(program, 'discover', 'list the services, or the live instances of one (Curator / Spring Cloud Zookeeper discovery)')
    .argument('[service]', 'service name; without it, every service under the base with its instance count')
    .option('--watch', 'print the instances, then each one that joins, leaves or changes, until SIGINT/SIGTERM')
    .option('--random', 'print the address:port of one instance picked at random (exit 5 if none)')
    .option('--base <path>', 'base path of the services (Curator basePath; Spring Cloud Zookeeper: /services)', '/services')
    .option('--sync', SYNC_HELP)
    .addHelpText(
      'after',
      `
One line per instance: address:port  id  registered-at, sorted by address, port and id; with -o json the
array of instances exactly as stored (Curator's ServiceInstance JSON). Nodes whose data is not a valid
ServiceInstance are listed as "(invalid)" (in JSON: a warning on stderr), never fatal. --random picks among
valid, enabled instances with an address and a port, as Curator's ServiceProvider does.

--watch survives reconnects; after a lost session it builds a new one and reports what changed meanwhile.

Examples:
  zk-coord discover                         # api  3 instances
  zk-coord discover api
  curl "http://$(zk-coord discover api --random)/health"
  zk-coord discover api --watch -o json`,
    )
    .action(async (service: string | undefined, flags: DiscoverFlags) => {
      const ctx = app.context();
      ctx.noChildArgs();
      const badBase = validatePath(flags.base);
      if (badBase) throw new UsageError(`--base ${flags.base}: ${badBase}`);
      const bad = service !== undefined ? invalidSegment(service, 'service name') : undefined;
      if (bad) throw new UsageError(bad);
      if ((flags.watch || flags.random) && service === undefined) throw new UsageError(`--${flags.watch ? 'watch' : 'random'} needs a service name`);
      if (flags.watch && flags.random) throw new UsageError('--watch and --random do not go together');
      if (flags.watch) ctx.holdSignals();
      const { printer } = ctx;
      const client = await ctx.connect();
      const target = service === undefined ? flags.base : joinPath(flags.base, service);
      if (flags.sync) await client.sync(target);
      if (service === undefined) {
        const services = await listServices(client, flags.base);
        if (printer.json) printer.result([], { base: flags.base, services });
        else if (services.length === 0) printer.note(`no services under ${flags.base}`);
        else printer.result(servicesLines(flags.base, services), null);
        return;
      }
      if (flags.watch) {
        const watch = new ServiceWatch(client, flags.base, service);
        watch.on('event', (event) => {
          if (event.kind === 'initial' && event.instances.length === 0) printer.note(`no instances of ${target} yet; watching`);
          printer.result(serviceEventLines(event), serviceEventJson(event));
        });
        await watch.start();
        await followUntilStopped(ctx, client, watch);
        return;
      }
      const entries = await listInstances(client, flags.base, service);
      if (flags.random) {
        const chosen = pickRandom(entries, target);
        if (!chosen.parsed.ok) return;
        printer.result(endpointOf(chosen.parsed.instance) ?? '', chosen.parsed.stored);
        return;
      }
      if (printer.json) {
        for (const entry of entries) {
          const note = invalidInstanceNote(entry);
          if (note) printer.warn(note);
        }
        printer.result([], instancesJson(entries));
        return;
      }
      if (entries.length === 0) printer.note(`no instances of ${target}`);
      printer.result(entries.map(instanceLine), null);
    });
}
