import { hostname } from 'node:os';
import { Option, type Command } from 'commander';
import { contenderStep, semaphoreStep } from '../../hold/index.js';
import { escapeControl } from '../../output/escape.js';
import { HOLDER_HELP, addHolderOptions, holderAcl, holderResult, runHolder, type HolderFlags } from '../holding.js';
import { checkTargetPath, parsePositiveInt, parseSeconds } from '../options.js';
import { LOCK_COMPAT, type Convention } from '../../recipes/contenders/conventions.js';
import { resolveLockLayout } from '../../recipes/contenders/lock-layout.js';
import type { ContenderNode, WaitingInfo } from '../../recipes/contenders/contenders.js';
import { foreignContenderLine } from '../../output/contenders.js';
import { addLockStatus } from './contenders-status.js';
import { subcommand, type App } from '../program.js';

interface LockFlags extends HolderFlags {
  name?: string;
  timeout?: number;
  limit?: number;
  read?: boolean;
  write?: boolean;
  compat?: (typeof LOCK_COMPAT)[number];
}

export function registerLock(program: Command, app: App): void {
  const lock = subcommand(program, 'lock', 'hold a distributed lock (or one of --limit slots), optionally while a command runs')
    .argument('<path>', 'lock znode')
    .option('--name <text>', 'stored in our lock node, shown to waiters (default host:pid)')
    .option('--timeout <duration>', 'give up waiting after this long (exit 6; bare number: seconds)', parseSeconds)
    .option('--limit <n>', 'a semaphore: up to n holders at once', parsePositiveInt)
    .addOption(new Option('--read', 'a shared (read) lock: readers hold together, a writer holds alone').conflicts(['write', 'limit']))
    .addOption(new Option('--write', 'the exclusive side of a read/write lock (the same as a plain lock)').conflicts(['read', 'limit']))
    .addOption(new Option('--compat <library>', "name and order the lock's nodes as this library does (default: detected from the contenders present)").choices(LOCK_COMPAT));
  addHolderOptions(lock, 'while holding the lock').addHelpText(
    'after',
    `
Without a command: prints "acquired <token>" on stdout once held, and holds until SIGINT/SIGTERM (exit 0).
With a command: stdout is the command's ("acquired" goes to stderr); runs it while holding (with ZK_COORD_PATH, ZK_COORD_NAME, ZK_COORD_TOKEN, ZK_COORD_SESSION), releases
when it ends and exits with its code. If the lock is lost (session lost, or disconnected past --suspend-grace)
the command is stopped and zk-coord exits 4. Stopped while still waiting: exit 130/143, the command never ran.
${HOLDER_HELP}

--read and --write make it a read/write lock: readers share it, a writer holds it alone; a reader waits only
for the nearest earlier writer, a writer for its predecessor, and a waiting writer keeps later readers back
(no writer starvation). A plain lock is a writer.

--compat names our node and orders the contenders as that library does, so its clients and ours exclude
each other: curator (InterProcessMutex; with --read/--write InterProcessReadWriteLock), kazoo (Lock,
WriteLock, ReadLock). Beside Curator or kazoo clients always pass it: without it the convention is detected
from the nodes present, zk-coord's on an empty path — and an idle Curator path is normally absent (its
parents are containers the server deletes when empty), so a zk-coord coming first would hold beside a
Curator client. Contenders that disagree, or disagree with --compat: exit 6, nothing created.
With --limit N: curator joins an InterProcessSemaphoreV2 (mutex <path>/locks, leases <path>/leases), kazoo a
kazoo Semaphore (lock <path>-__lock__, leases under <path>); N must be the library clients' maxLeases. Without
--compat the layout found on the path is followed (zk-coord's sorted slots on an empty one).
'zk-coord lock status <path>' lists the holder and the queue in that library's order (--limit N: the first N
hold; --compat: warn when the nodes follow another library).

Examples:
  zk-coord lock /locks/deploy -- ./deploy.sh
  zk-coord lock /locks/staging-db --read -- ./integration-tests.sh    # many at once
  zk-coord lock /locks/staging-db --write -- ./migrate.sh             # alone
  zk-coord lock /locks/db-migrate --timeout 30s --exec 'npm run migrate'
  zk-coord lock /locks/workers --limit 2 -- ./heavy-job.sh
  zk-coord lock /locks/deploy --compat curator -- ./deploy.sh          # beside Curator InterProcessMutex holders
  zk-coord lock /jobs/heavy --limit 2 --compat curator -- ./job.sh     # a lease of InterProcessSemaphoreV2(maxLeases 2)`,
  );
  addLockStatus(lock, app);
  lock.action(async (path: string, flags: LockFlags) => {
    const ctx = app.context();
    checkTargetPath(path, 'the lock node');
    const layout = resolveLockLayout(flags.compat, flags.limit !== undefined ? 'limit' : flags.read ? 'read' : flags.write ? 'write' : 'plain');
    const compat = layout.contenders;
    const { printer } = ctx;
    const command = ctx.childCommand(flags.exec);
    const acl = holderAcl(ctx, flags);
    const name = flags.name ?? `${hostname()}:${process.pid}`;
    const kind = flags.read ? 'read lock' : flags.write ? 'write lock' : 'lock';
    await runHolder(ctx, flags, command, {
      again: false,
      status: { recipe: 'lock', path, name, held: 'holder', waiting: 'waiting' },
      acquire: (client, waiting) => {
        const contender = {
          parent: path,
          // A writer is an exclusive contender: plain `lock` holders and `--write` holders exclude each other.
          role: flags.read ? ('reader' as const) : ('exclusive' as const),
          compat,
          data: Buffer.from(name, 'utf8'),
          slots: flags.limit ?? 1,
          what: `${kind} ${path}`,
          waitTimeoutMs: flags.timeout,
          ...acl,
          onForeign: (node: ContenderNode, theirs: Convention, ours: Convention) => printer.warn(foreignContenderLine('lock', path, node.name, theirs, ours)),
          onWaiting: (info: WaitingInfo) => {
            const holder = info.predecessor ? `${escapeControl(info.predecessorData ?? '?')} ahead of us` : `${info.position} ahead of us`;
            printer.note(`waiting for ${kind} ${path}: ${holder}`);
            waiting?.(info.headData);
          },
        };
        if (flags.limit === undefined) return contenderStep(client, contender);
        return semaphoreStep(client, {
          asked: layout.semaphore,
          maxLeases: flags.limit,
          contender,
          onLeaseWaiting: (state) => {
            if (state.phase === 'mutex') return contender.onWaiting(state.info);
            printer.note(`waiting for ${kind} ${path}: ${state.leases} of ${flags.limit} leases taken`);
            waiting?.(undefined);
          },
        });
      },
      env: (hold, client) => ({ ZK_COORD_PATH: path, ZK_COORD_NAME: name, ZK_COORD_TOKEN: hold.token.toString(), ZK_COORD_SESSION: client.sessionIdHex }),
      announce: (hold, client) => {
        holderResult(printer, command !== undefined, command ? `acquired ${kind} ${path} (token ${hold.token})` : `acquired ${hold.token}`, { event: 'acquired', path, node: hold.path, name, mode: flags.read ? 'read' : 'exclusive', limit: flags.limit ?? null, token: hold.token.toString(), session: client.sessionIdHex });
      },
    });
  });
}
