import { hostname } from 'node:os';
import { Option, type Command } from 'commander';
import type { ClaimEvent } from '../../recipes/claim/claim.js';
import { claimIdStep } from '../../hold/index.js';
import type { CommandContext } from '../context.js';
import { HOLDER_HELP, addHolderOptions, holderAcl, holderResult, runHolder, type HolderFlags } from '../holding.js';
import { UsageError } from '../exit-codes.js';
import { checkTargetPath, parsePositiveInt, parseSeconds } from '../options.js';
import { subcommand, type App } from '../program.js';

interface ClaimFlags extends HolderFlags {
  data?: string;
  id?: number;
  max?: number;
  wait: boolean;
  timeout?: number;
  waitTimeout?: number;
  reclaim?: boolean;
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

async function claimAction(ctx: CommandContext, parent: string, flags: ClaimFlags): Promise<void> {
  checkTargetPath(parent, 'the parent of the IDs');
  if (flags.id !== undefined && flags.max !== undefined && flags.id > flags.max) {
    throw new UsageError(`--id ${flags.id} is outside the pool of --max ${flags.max} (IDs 1 to ${flags.max})`);
  }
  const command = ctx.childCommand(flags.exec);
  const acl = holderAcl(ctx, flags);
  const { printer } = ctx;
  const previous: bigint[] = [];
  const holder = { host: hostname(), pid: process.pid, since: new Date().toISOString(), ...(flags.data !== undefined ? { data: flags.data } : {}) };
  await runHolder(ctx, flags, command, {
    again: flags.reclaim === true,
    // --reclaim: a session lost while still waiting for an ID costs nothing held; claim with a new one.
    againWhileWaiting: flags.reclaim === true,
    acquire: (client) =>
      claimIdStep(client, {
        parent,
        data: Buffer.from(JSON.stringify(holder)),
        id: flags.id,
        max: flags.max,
        wait: flags.wait,
        waitTimeoutMs: flags.timeout ?? flags.waitTimeout,
        previousSessions: previous,
        onEvent: (event) => printer.note(describeEvent(event)),
        ...acl,
      }),
    env: (hold, client) => ({
      ZK_COORD_ID: String(hold.detail.id),
      ZK_COORD_PATH: hold.path,
      ZK_COORD_SESSION: client.sessionIdHex,
      ZK_COORD_TOKEN: hold.token.toString(),
    }),
    announce: (hold, client) => {
      const session = client.sessionIdHex;
      holderResult(printer, command !== undefined, command ? `claimed ID ${hold.detail.id}` : String(hold.detail.id), { event: 'claimed', id: hold.detail.id, path: hold.path, node: hold.path, parent, session, token: hold.token.toString() });
      printer.note(`holding ${hold.path} (session ${session}, token ${hold.token}); Ctrl+C releases it`);
    },
    status: { recipe: 'claim', path: parent, held: 'holder', waiting: 'waiting', describe: (hold) => ({ id: hold.detail.id }) },
    beforeAgain: (client) => {
      previous.push(client.sessionId);
      printer.note('--reclaim: claiming again with a new session');
    },
  });
}

export function registerClaim(program: Command, app: App): void {
  const claim = subcommand(program, 'claim', 'take the lowest free instance ID under a parent znode and hold it while this process lives')
    .argument('[parent]', 'parent znode of the IDs', '/sequence')
    .option('--data <text>', 'extra text stored with the holder record (host, pid, start time)')
    .option('--id <n>', 'claim exactly this ID (waits while it is taken)', parsePositiveInt)
    .option('--max <n>', 'pool bound: only IDs 1..n; waits when all are taken', parsePositiveInt)
    .option('--no-wait', 'fail with exit 6 instead of waiting for a taken ID or a full pool')
    .option('--timeout <duration>', 'give up waiting after this long (exit 6; bare number: seconds)', parseSeconds)
    // The first name of --timeout, kept for scripts that use it; every other waiter says --timeout.
    .addOption(new Option('--wait-timeout <duration>').argParser(parseSeconds).hideHelp())
    .option('--reclaim', 'when the session is lost, claim again with a new session (and restart the command) instead of exiting 4');
  addHolderOptions(claim, 'while the ID is held').addHelpText(
    'after',
    `
Without a command: prints the ID alone on stdout as soon as it is held (JSON: id, path, session, token), then
holds it until SIGINT/SIGTERM, when it deletes the node and exits 0: the number is free again at once. With a
command, stdout is the command's alone: "claimed ID n" goes to stderr (-o json keeps the JSON record on stdout). A process killed
with SIGKILL frees its number only when ZooKeeper expires its session (--session-timeout).

The command (--exec or after --) gets ZK_COORD_ID, ZK_COORD_PATH, ZK_COORD_SESSION and ZK_COORD_TOKEN (a
fencing token: the node's creation zxid) in its environment; SIGINT/SIGTERM are forwarded to it; when it
ends the ID is released and zk-coord exits with its exit code.
${HOLDER_HELP}

Examples:
  zk-coord claim                         # terminal 1 prints 1, terminal 2 prints 2, ...
  coproc CLAIM { exec zk-coord claim /workers; }; read -r ID <&"\${CLAIM[0]}"   # hold it for a script (see README)
  zk-coord claim /workers --max 4 -- ./worker.sh --verbose
  zk-coord ls /sequence -s               # who holds which ID`,
  );
  claim.action((parent: string, flags: ClaimFlags) => claimAction(app.context(), parent, flags));
}
