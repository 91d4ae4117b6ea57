import { hostname } from 'node:os';
import type { Command } from 'commander';
import { escapeControl } from '../../output/escape.js';
import { ExitCode } from '../exit-codes.js';
import { contend } from '../contend.js';
import { parsePositiveInt, parseSeconds } from '../options.js';
import { subcommand, type App } from '../program.js';

interface LockFlags {
  exec?: string;
  name?: string;
  timeout?: number;
  limit: number;
  grace: number;
  suspendGrace?: number;
}

export function registerLock(program: Command, app: App): void {
  subcommand(program, 'lock', 'hold a distributed lock (or one of --limit slots), optionally while a command runs')
    .argument('<path>', 'lock znode')
    .option('--exec <command>', 'run this shell command while holding the lock (or give it after --)')
    .option('--name <text>', 'stored in our lock node, shown to waiters (default host:pid)')
    .option('--timeout <seconds>', 'give up waiting after this long (exit 6)', parseSeconds)
    .option('--limit <n>', 'a semaphore: up to n holders at once', parsePositiveInt, 1)
    .option('--grace <seconds>', 'after SIGTERM, how long the command may take before SIGKILL', parseSeconds, 5000)
    .option('--suspend-grace <seconds>', 'disconnected this long, consider the lock lost (default: a third of the session timeout)', parseSeconds)
    .addHelpText(
      'after',
      `
Without a command: prints "acquired <token>" on stdout once held, and holds until SIGINT/SIGTERM (exit 0).
With a command: runs it while holding (with ZK_COORD_PATH, ZK_COORD_NAME, ZK_COORD_TOKEN, ZK_COORD_SESSION), releases
when it ends and exits with its code. If the lock is lost (session lost, or disconnected past --suspend-grace)
the command gets SIGTERM, then SIGKILL after --grace, and zk-coord exits 4.

Examples:
  zk-coord lock /locks/deploy -- ./deploy.sh
  zk-coord lock /locks/db-migrate --timeout 30 --exec 'npm run migrate'
  zk-coord lock /locks/workers --limit 2 -- ./heavy-job.sh`,
    )
    .action(async (path: string, flags: LockFlags) => {
      const ctx = app.context();
      ctx.holdSignals();
      const { printer } = ctx;
      const command = ctx.childCommand(flags.exec);
      const name = flags.name ?? `${hostname()}:${process.pid}`;
      const client = await ctx.connect();
      const spinner = await printer.spinner(`waiting for lock ${path}`);
      try {
        const { outcome, turn } = await contend(ctx, client, {
          parent: path,
          prefix: 'lock-',
          name,
          slots: flags.limit,
          what: `lock ${path}`,
          command,
          graceMs: flags.grace,
          suspendGraceMs: flags.suspendGrace ?? Math.floor(ctx.globals.sessionTimeout / 3),
          waitTimeoutMs: flags.timeout,
          onWaiting: (info) => {
            spinner.stop();
            const holder = info.predecessor ? `${escapeControl(info.predecessorData ?? '?')} ahead of us` : `${info.position} ahead of us`;
            printer.note(`waiting for lock ${path}: ${holder}`);
          },
          onAcquired: (t, c) => {
            spinner.stop();
            // With a command, stdout belongs to it: the acquisition is a note on stderr.
            if (command) printer.note(`acquired lock ${path} (token ${t.token})`);
            else printer.result(`acquired ${t.token}`, { event: 'acquired', path, node: c.node?.path, name, token: t.token.toString(), session: client.sessionIdHex });
          },
          env: (t) => ({ ZK_COORD_PATH: path, ZK_COORD_NAME: name, ZK_COORD_TOKEN: t.token.toString(), ZK_COORD_SESSION: client.sessionIdHex }),
        });
        if (outcome.kind === 'lost') {
          printer.error(`${outcome.error?.message ?? 'lock lost'}${command ? '; command stopped' : ''}`);
          ctx.exitCode = ExitCode.Lost;
          return;
        }
        printer.note(`released lock ${path}`);
        ctx.exitCode = outcome.kind === 'child-exited' || command ? outcome.status : ExitCode.Ok;
      } finally {
        spinner.stop();
      }
    });
}
