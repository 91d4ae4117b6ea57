import { hostname } from 'node:os';
import type { Command } from 'commander';
import { barrierStep } from '../../hold/index.js';
import { BarrierMember, type MemberInfo } from '../../recipes/barrier/barrier.js';
import { joinPath } from '../../zk/paths.js';
import { escapeControl } from '../../output/escape.js';
import { StoppedError, WaitTimeoutError } from '../../recipes/errors.js';
import { SessionLostError } from '../../zk/index.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { HOLDER_HELP, addHolderOptions, holderAcl, holderResult, runHolder, type HolderFlags } from '../holding.js';
import { checkTargetPath, parsePositiveInt, parseSeconds } from '../options.js';
import { subcommand, type App } from '../program.js';

interface BarrierFlags extends HolderFlags {
  count: number;
  timeout?: number;
  name?: string;
}

/** Holder options (addHolderOptions) that mean something only with a command. */
// --acl is the member node's, with a command or without.
const HOLDER_ONLY_OPTIONS = ['grace', 'suspendGrace', 'detach', 'http'] as const;
const optionFlag = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function memberLine(m: MemberInfo): string {
  return escapeControl([m.name, m.host !== undefined && m.pid !== undefined ? `(${m.host} pid ${m.pid})` : ''].filter(Boolean).join(' '));
}

/** The opening as one JSON record, like the other holders' (`event`, `path`; each member's `node` a full path). */
function openRecord(path: string, members: readonly MemberInfo[]): unknown {
  return {
    event: 'open',
    path,
    members: members.map((m) => ({ node: joinPath(path, m.node), name: m.name, ...(m.host !== undefined ? { host: m.host } : {}), ...(m.pid !== undefined ? { pid: m.pid } : {}) })),
  };
}

export function registerBarrier(program: Command, app: App): void {
  const barrier = subcommand(program, 'barrier', 'a double barrier: wait until --count members are present; with a command, also until all of them are done')
    .argument('<path>', 'barrier znode')
    .requiredOption('--count <n>', 'members the barrier waits for', parsePositiveInt)
    .option('--timeout <duration>', 'give up waiting for the others after this long, to enter and (with a command) to leave (exit 6, our member node removed; bare number: seconds)', parseSeconds)
    .option('--name <text>', 'stored in our member node, shown to the others (default host:pid)');
  addHolderOptions(barrier, 'once the barrier opens').addHelpText(
    'after',
    `
Enter: an ephemeral member node <path>/<uuid hex> (data: name, host, pid), then wait until --count members
of this round are present; the gate is <path>/ready. Without a command: exit 0 when it opens, printing the
members (JSON: {"event":"open","path","members":[{node,name,host,pid}]}, on stdout with a command too);
the holder options below but --acl (our member node's, readable by every member) need a command (exit 2
without). With a command: run it when the barrier opens (ZK_COORD_PATH, ZK_COORD_NAME, ZK_COORD_MEMBERS,
ZK_COORD_SESSION), leave when it ends, and exit with its code only once every member of the round has
left, so "all shards are done" is known to each. A member that dies before the opening no longer counts
once its session ends. --timeout bounds the wait for the others to leave too: past it, a line says so and
a command that succeeded exits 6 (4 if the session is lost meanwhile); SIGINT/SIGTERM during that wait
exits with the command's status.

Rounds: a path can be used again. The gate opens for a member only if ready was created after the member
arrived, so a ready left by an earlier round never lets the next one through: its first member waits like
the first round's did. (kazoo and Curator members on the same path pass while any ready exists.)
${HOLDER_HELP}

Examples:
  zk-coord barrier /ci/$CI_PIPELINE_ID/integration --count 4 -- ./run-shard.sh "$SHARD"
  zk-coord barrier /ci/$CI_PIPELINE_ID/start --count 4 --timeout 10m && ./tests.sh`,
  );
  barrier.action(async (path: string, flags: BarrierFlags) => {
    const ctx = app.context();
    checkTargetPath(path, 'the barrier node');
    const { printer } = ctx;
    const command = ctx.childCommand(flags.exec);
    const { acl } = holderAcl(ctx, flags);
    // Members read each other's nodes (who is in the round): one they cannot read would fail every other member.
    if (acl && !acl.some((a) => a.scheme === 'world' && a.id === 'anyone' && a.perms.includes('r'))) {
      throw new UsageError('barrier --acl must let every member read the member node: include world:anyone:r (or use "creator")');
    }
    const name = flags.name ?? `${hostname()}:${process.pid}`;
    const data = Buffer.from(JSON.stringify({ name, host: hostname(), pid: process.pid }));
    const onWaiting = (present: number, count: number): void => printer.note(`waiting at barrier ${path}: ${present} of ${count} present`);
    if (!command) {
      // The holder options govern a supervised command; without one they would be silently ignored.
      const given = HOLDER_ONLY_OPTIONS.filter((key) => barrier.getOptionValueSource(key) === 'cli');
      if (given.length > 0) throw new UsageError(`${given.map(optionFlag).join(', ')} only apply with a command (barrier <path> --count <n> -- <command>)`);
      ctx.holdSignals();
      const client = await ctx.connect();
      const member = new BarrierMember(client, path, flags.count, data, acl);
      const opening = await member.enter({
        signal: ctx.stop.signal,
        deadline: flags.timeout !== undefined ? Date.now() + flags.timeout : undefined,
        timeoutMs: flags.timeout,
        onWaiting,
      });
      printer.result(opening.members.map(memberLine), openRecord(path, opening.members));
      // Our node goes as the session closes (dispose); the others already passed or will see `ready`.
      return;
    }
    await runHolder(ctx, flags, command, {
      again: false,
      status: { recipe: 'barrier', path, name, held: 'holder', waiting: 'waiting' },
      acquire: (client) => barrierStep(client, { path, count: flags.count, data, waitTimeoutMs: flags.timeout, onWaiting, acl }),
      env: (hold, client) => ({
        ZK_COORD_PATH: path,
        ZK_COORD_NAME: name,
        ZK_COORD_MEMBERS: hold.detail.members.map((m) => m.name).join(','),
        ZK_COORD_SESSION: client.sessionIdHex,
      }),
      announce: (hold) =>
        holderResult(printer, true, `barrier ${path} open: ${hold.detail.members.length} members (${hold.detail.members.map(memberLine).join(', ')})`, openRecord(path, hold.detail.members)),
      // The command has ended and its status is the exit code: a stop, a timeout or a lost session while the
      // others leave is said, and changes it only from 0 (to 6 or 4: not everyone is known to be done).
      afterCommand: async (hold, _client, signal) => {
        try {
          await hold.detail.member.leave({
            signal,
            deadline: flags.timeout !== undefined ? Date.now() + flags.timeout : undefined,
            timeoutMs: flags.timeout,
            onWaiting: (remaining) => printer.note(`left barrier ${path}; waiting for ${remaining} more to leave`),
          });
          printer.note(`every member has left barrier ${path}`);
        } catch (error) {
          if (error instanceof StoppedError) printer.note(`stopped while the others leave barrier ${path}; exiting with the command's status`);
          else if (error instanceof WaitTimeoutError || error instanceof SessionLostError) {
            printer.error(`${error.message} (while the others leave barrier ${path})`);
            if (ctx.exitCode === 0) ctx.exitCode = error instanceof SessionLostError ? ExitCode.Lost : ExitCode.Conflict;
          } else throw error;
        }
      },
    });
  });
}
