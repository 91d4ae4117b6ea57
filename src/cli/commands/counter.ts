import { Argument, Option, type Command } from 'commander';
import { COUNTER_FORMATS, readCounter, updateCounter, type CounterChange, type CounterFormat } from '../../recipes/counter/counter.js';
import { checkTargetPath, parseBigInteger } from '../options.js';
import { subcommand, type App } from '../program.js';
import type { CommandContext } from '../context.js';

interface CounterFlags {
  format: CounterFormat;
}

const FORMAT_HELP = `
Formats (--format): text (default) is decimal ASCII, as kazoo's Counter stores it and zkCli shows it;
curator is the 4-byte big-endian int of Curator SharedCount / DistributedAtomicInteger and of kazoo
Counter(support_curator=True); curator-long the 8 bytes of Curator DistributedAtomicLong. text and
curator-long hold the signed 64-bit range, curator the 32-bit one. A value that does not parse in the format
is refused (exit 2) with what it looks like; a result out of range is refused (exit 6); nothing is written.`;

function withFormat(command: Command): Command {
  return command.addOption(new Option('--format <format>', 'how the value is stored').choices([...COUNTER_FORMATS]).default('text'));
}

async function change(ctx: CommandContext, path: string, how: CounterChange, flags: CounterFlags): Promise<void> {
  ctx.noChildArgs();
  checkTargetPath(path, 'a counter');
  const client = await ctx.connect();
  const update = await updateCounter(client, path, how, flags.format);
  ctx.printer.result(update.value.toString(), {
    path,
    value: update.value.toString(),
    previous: update.previous.toString(),
    format: flags.format,
    created: update.created,
    ...(update.stat ? { version: update.stat.version } : {}),
  });
}

export function registerCounter(program: Command, app: App): void {
  const counter = program
    .command('counter')
    .description('a shared counter: read, increment, add to or set it by compare-and-set (never a lost update)')
    .addHelpText(
      'after',
      `${FORMAT_HELP}

A missing node counts as 0; incr, add and set create it (and its parents). Each prints the new value.

Examples:
  BUILD=$(zk-coord counter incr /ci/build-number)
  zk-coord counter add /stats/retries -2
  zk-coord counter set /ci/build-number 1000
  zk-coord counter get /shared/count --format curator`,
    );

  withFormat(subcommand(counter, 'get', 'print the value (0 for a missing node, which is not created)').argument('<path>', 'counter znode').addHelpText('after', '\nExamples:\n  zk-coord counter get /shared/count --format curator')).action(
    async (path: string, flags: CounterFlags) => {
      const ctx = app.context();
      ctx.noChildArgs();
      const client = await ctx.connect();
      const { value, stat } = await readCounter(client, path, flags.format);
      ctx.printer.result(value.toString(), { path, value: value.toString(), format: flags.format, exists: stat !== undefined, ...(stat ? { version: stat.version } : {}) });
    },
  );

  withFormat(subcommand(counter, 'incr', 'add 1 and print the new value').argument('<path>', 'counter znode').addHelpText('after', '\nExamples:\n  BUILD=$(zk-coord counter incr /ci/build-number)')).action((path: string, flags: CounterFlags) =>
    change(app.context(), path, { add: 1n }, flags),
  );

  withFormat(
    subcommand(counter, 'add', 'add n (negative to subtract) and print the new value')
      .argument('<path>', 'counter znode')
      .addArgument(new Argument('<n>', 'a whole number, e.g. 5 or -3').argParser(parseBigInteger))
      .addHelpText('after', '\nExamples:\n  zk-coord counter add /stats/retries -2'),
  ).action((path: string, n: bigint, flags: CounterFlags) => change(app.context(), path, { add: n }, flags));

  withFormat(
    subcommand(counter, 'set', 'set the value (compare-and-set against concurrent writers) and print it')
      .argument('<path>', 'counter znode')
      .addArgument(new Argument('<n>', 'a whole number').argParser(parseBigInteger))
      .addHelpText('after', '\nExamples:\n  zk-coord counter set /ci/build-number 1000'),
  ).action((path: string, n: bigint, flags: CounterFlags) => change(app.context(), path, { set: n }, flags));
}
