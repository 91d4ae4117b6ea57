import { hostname } from 'node:os';
import type { Command } from 'commander';
import { claimLowestFreeId, type ClaimEvent, type ClaimedId } from '../../recipes/claim.js';
import { hex, type ZkClient } from '../../zk/index.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { reconnect } from '../follow.js';
import { holdNode } from '../hold.js';
import { parsePositiveInt, parseSeconds } from '../options.js';
import { subcommand, type App } from '../program.js';

interface ClaimFlags {
  data?: string;
  exec?: string;
  id?: number;
  max?: number;
  wait: boolean;
  waitTimeout?: number;
  reclaim?: boolean;
  grace: number;
}

function describeEvent(event: ClaimEvent): string {
  switch (event.type) {
    case 'waiting':
      return event.reason === 'id-taken' ? `ID ${event.id} is taken; waiting for it to be freed` : 'every ID of the pool is taken; waiting for one to be freed';
    case 'contended':
      return `ID ${event.id} was just taken by another instance; trying the next`;
    case 'stale':
      return `${event.path} is still held by this process's lost session ${event.owner}; ZooKeeper frees it when that session expires`;
  }
}

async function claimOnce(ctx: CommandContext, client: ZkClient, parent: string, flags: ClaimFlags, previous: bigint[]): Promise<ClaimedId> {
  const holder = { host: hostname(), pid: process.pid, since: new Date().toISOString(), ...(flags.data !== undefined ? { data: flags.data } : {}) };
  const spinner = await ctx.printer.spinner(`claiming an ID under ${parent}`);
  try {
    return await claimLowestFreeId(client, {
      parent,
      data: Buffer.from(JSON.stringify(holder)),
      id: flags.id,
      max: flags.max,
      wait: flags.wait,
      waitTimeoutMs: flags.waitTimeout,
      signal: ctx.stop.signal,
      previousSessions: previous,
      onEvent: (event) => {
        spinner.stop();
        ctx.printer.note(describeEvent(event));
      },
    });
  } finally {
    spinner.stop();
  }
}

export function registerClaim(program: Command, app: App): void {
  subcommand(program, 'claim', 'take the lowest free instance ID under a parent znode and hold it while this process lives')
    .argument('[parent]', 'parent znode of the IDs', '/sequence')
    .option('--data <text>', 'extra text stored with the holder record (host, pid, start time)')
    .option('--exec <command>', 'run this shell command while the ID is held (or give it after --)')
    .option('--id <n>', 'claim exactly this ID (waits while it is taken)', parsePositiveInt)
    .option('--max <n>', 'pool bound: only IDs 1..n; waits when all are taken', parsePositiveInt)
    .option('--no-wait', 'fail with exit 6 instead of waiting for a taken ID or a full pool')
    .option('--wait-timeout <seconds>', 'give up waiting after this long (exit 6)', parseSeconds)
    .option('--reclaim', 'when the session is lost, claim again with a new session (and restart the command) instead of exiting 4')
    .option('--grace <seconds>', 'after SIGTERM, how long the command may take before SIGKILL', parseSeconds, 5000)
    .addHelpText(
      'after',
      `
Prints the ID alone on stdout as soon as it is held (JSON: id, path, session, token), then holds it until
SIGINT/SIGTERM, when it deletes the node and exits 0: the number is free again at once. A process killed
with SIGKILL frees its number only when ZooKeeper expires its session (--session-timeout).

The command (--exec or after --) gets ZK_COORD_ID, ZK_COORD_PATH, ZK_COORD_SESSION and ZK_COORD_TOKEN (a
fencing token: the node's creation zxid) in its environment; SIGINT/SIGTERM are forwarded to it; when it
ends the ID is released and zk-coord exits with its exit code.

Examples:
  zk-coord claim                         # terminal 1 prints 1, terminal 2 prints 2, ...
  coproc zk-coord claim /workers; read -r ID <&"\${COPROC[0]}"   # hold it for a script (see README)
  zk-coord claim /workers --max 4 -- ./worker.sh --verbose
  zk-coord ls /sequence -s               # who holds which ID`,
    )
    .action(async (parent: string, flags: ClaimFlags) => {
      const ctx = app.context();
      ctx.holdSignals();
      const command = ctx.childCommand(flags.exec);
      const { printer } = ctx;
      const previous: bigint[] = [];
      let client = await ctx.connect();
      for (;;) {
        const claimed = await claimOnce(ctx, client, parent, flags, previous);
        const session = client.sessionIdHex;
        const { outcome, held } = await holdNode(ctx, client, {
          path: claimed.path,
          what: `ID ${claimed.id}`,
          command,
          env: { ZK_COORD_ID: String(claimed.id), ZK_COORD_PATH: claimed.path, ZK_COORD_SESSION: session, ZK_COORD_TOKEN: claimed.token.toString() },
          graceMs: flags.grace,
          announce: () => {
            printer.result(String(claimed.id), { id: claimed.id, path: claimed.path, session, token: claimed.token.toString() });
            printer.note(`holding ${claimed.path} (session ${session}, token ${claimed.token}); Ctrl+C releases it`);
          },
        });
        if (outcome.kind !== 'lost') {
          await held.release();
          printer.note(`released ${claimed.path}`);
          ctx.exitCode = outcome.status;
          return;
        }
        printer.error(`${outcome.error?.message ?? 'lost'}: ID ${claimed.id} is no longer ours${command ? '; command stopped' : ''}`);
        if (!flags.reclaim || ctx.stop.signal.aborted) {
          ctx.exitCode = ExitCode.Lost;
          return;
        }
        previous.push(client.sessionId);
        await ctx.release(client);
        printer.note('--reclaim: claiming again with a new session');
        client = await reconnect(ctx);
        printer.note(`new session ${hex(client.sessionId)}`);
      }
    });
}
