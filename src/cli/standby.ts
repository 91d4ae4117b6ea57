import { Option, type Command } from 'commander';
import { constants } from 'node:os';
import type { HookResult, TransitionHooks } from '../hold/hooks.js';
import type { HolderStatus } from '../hold/status.js';
import type { ChildCommand } from '../process/child.js';
import { escapeControl } from '../output/escape.js';
import type { ZkClient } from '../zk/index.js';
import type { CommandContext } from './context.js';
import { UsageError, exitCodeForHold } from './exit-codes.js';
import { reconnect } from './follow.js';
import { again, holderResult, type ElectionSpec, type HolderFlags, type HolderSpec } from './holding.js';
import { parseSeconds } from './options.js';

/** elect's role options: --standby, the role file and signal, the hooks. */
export interface ElectionFlags {
  standby?: boolean;
  roleFile?: string;
  roleSignal?: NodeJS.Signals;
  onElected?: string;
  onDemoted?: string;
  hookTimeout: number;
}

/**
 * The role signal goes to the command's whole group, the keeper (src/process/keeper.ts) included, which
 * ignores only these four besides its stop signals: any other signal whose default action ends or stops a
 * process would take the keeper down at the first role change, and the command with it.
 */
const ROLE_SIGNALS: readonly NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGWINCH'];

function parseSignal(value: string): NodeJS.Signals {
  const name = (value.toUpperCase().startsWith('SIG') ? value.toUpperCase() : `SIG${value.toUpperCase()}`) as NodeJS.Signals;
  if (!ROLE_SIGNALS.includes(name)) {
    const why = !(name in constants.signals)
      ? 'not a signal'
      : name === 'SIGKILL' || name === 'SIGSTOP'
        ? 'no process can handle it'
        : 'its default action would end or stop the supervisor in the group';
    throw new UsageError(`--role-signal ${value}: ${why}; use one of ${ROLE_SIGNALS.map((s) => s.slice(3)).join(', ')}`);
  }
  return name;
}

export function addElectionOptions(command: Command): Command {
  return command
    .option('--standby', 'hot standby: the command runs on every candidate whatever the role, told its role (ZK_COORD_ROLE, ZK_COORD_ROLE_FILE)')
    .option('--role-file <path>', 'with --standby: write the role file here (default: a private temporary file)')
    .addOption(new Option('--role-signal <signal>', "with --standby: also send this signal (USR1, USR2, ALRM or WINCH) to the command's group at every role change").argParser(parseSignal))
    .option('--on-elected <command>', 'shell command run on becoming leader (one hook at a time, in transition order)')
    .option('--on-demoted <command>', 'shell command run on ceasing to lead (before anyone else can lead)')
    .addOption(new Option('--hook-timeout <duration>', "past this, a hook's process group is killed (bare number: seconds)").argParser(parseSeconds).default(10_000, '10s'));
}

function describeHookResult(r: HookResult): string {
  switch (r.ended) {
    case 'timeout':
      return `--${r.hook} took longer than its timeout: its process group was killed`;
    case 'deadline':
      return `--${r.hook} still ran at the demotion deadline (after it the session may expire and another candidate lead): its process group was killed`;
    case 'not-run':
      return `--${r.hook} not run: the demotion deadline had passed before it could start`;
    case 'spawn-failed':
      return `--${r.hook} could not be started (an environment too large to pass?)`;
    case 'exited':
      return `--${r.hook} exited with ${r.status}`;
  }
}

export const ELECTION_HELP = `
Hot standby (--standby): the command starts at once on every candidate and keeps running whatever the role.
Its environment has ZK_COORD_ROLE (leader or follower at start) and ZK_COORD_ROLE_FILE, a file replaced by
rename at every change: line 1 the role, line 2 a sequence number, line 3 the leader's name. --role-signal
also signals the command's group at each change. A lost session keeps the command running as a follower and
campaigns again with a new session. Demotion first: a leader whose server went silent is demoted (role file,
signal, --on-demoted to its end or its timeout) at least a quarter of the session timeout before the server
can expire the session, so before any other candidate can lead.

Hooks (--on-elected, --on-demoted; with or without --standby): one at a time, in the order of the transitions,
each with ZK_COORD_ROLE, ZK_COORD_PREVIOUS_ROLE, ZK_COORD_PATH, ZK_COORD_NAME and ZK_COORD_SEQUENCE (and
ZK_COORD_TOKEN, the fencing token, for --on-elected), each
in a process group of its own with stdin /dev/null (Ctrl+C is zk-coord's) and its stdout on stderr, killed
past --hook-timeout (the next then runs). A hook is never killed because another transition came, with one
exception: a demotion's deadline (above) binds the hooks queued before it too — a still running --on-elected
is killed at it, an --on-demoted left no time is not run (both said on stderr). Starting as follower runs
nothing.`;

/** The election parts of the holder spec, from the flags (hooks and role file are built only when used). */
export function electionSpec(
  flags: ElectionFlags & HolderFlags,
  info: { path: string; name: string },
  observeLeader: ElectionSpec['observeLeader'],
): ElectionSpec {
  if (!flags.standby && (flags.roleFile !== undefined || flags.roleSignal !== undefined)) throw new UsageError('--role-file and --role-signal go with --standby');
  return {
    standby: flags.standby === true,
    observeLeader,
    roleFile: flags.roleFile,
    roleSignal: flags.roleSignal,
    hooks: async (ctx) => {
      const [{ TransitionHooks }, { SupervisedChild }] = await Promise.all([import('../hold/hooks.js'), import('../process/child.js')]);
      return new TransitionHooks({
        onElected: flags.onElected,
        onDemoted: flags.onDemoted,
        timeoutMs: flags.hookTimeout,
        env: { ...ctx.io.env, ZK_COORD_PATH: info.path, ZK_COORD_NAME: info.name },
        supervise: (c, o) => new SupervisedChild(c, o),
        onResult: (r) => ctx.printer.warn(describeHookResult(r)),
      });
    },
  };
}

/**
 * `elect --standby` in the one holder path (runHolder hands it here): the standby lifecycle (hold/standby.ts),
 * its role file, hooks and status, one line per role change, and the one exit-code rule.
 */
export async function runStandbyHolder(
  ctx: CommandContext,
  flags: HolderFlags,
  command: ChildCommand | undefined,
  spec: HolderSpec<unknown>,
  election: ElectionSpec,
  status: HolderStatus,
): Promise<void> {
  const [{ runStandby }, { RoleFile }, supervisor] = await Promise.all([import('../hold/standby.js'), import('../hold/role-file.js'), import('../process/child.js')]);
  const { printer } = ctx;
  const name = spec.status.name ?? '';
  const hooks: TransitionHooks = await election.hooks(ctx);
  const roleFile = new RoleFile(election.roleFile);
  try {
    const first = await ctx.connect();
    status.attach(first);
    const outcome = await runStandby({
      session: first,
      acquire: (client, onFollowing) => spec.acquire(client, onFollowing),
      observeLeader: election.observeLeader,
      renew: async (previous: ZkClient) => {
        await again(ctx, previous, spec);
        const client = await reconnect(ctx);
        status.attach(client);
        return client;
      },
      signal: ctx.stop.signal,
      policy: { termGraceMs: flags.grace, suspendGraceMs: flags.suspendGrace },
      name,
      roles: { file: roleFile, signal: election.roleSignal, hooks, status },
      command: command
        ? {
            command,
            env: (role) => ({ ...ctx.io.env, ZK_COORD_ROLE: role, ZK_COORD_ROLE_FILE: roleFile.path, ZK_COORD_PATH: spec.status.path, ZK_COORD_NAME: name }),
            supervise: (c, o) => new supervisor.SupervisedChild(c, o),
          }
        : undefined,
      onEvent: (event) => {
        if (event.type === 'role') {
          if (event.role === 'leader' && event.hold) {
            status.update({ node: event.hold.path, token: event.hold.token.toString() });
            spec.announce(event.hold, event.hold.client);
          } else if (event.role === 'follower' && event.previous !== 'follower') {
            holderResult(printer, command !== undefined, `follower ${escapeControl(name)}`, { event: 'follower', name, path: spec.status.path, leader: event.leader ?? null, sequence: event.sequence });
          } else if (event.role === 'follower') {
            printer.note(`leader is ${escapeControl(event.leader ?? '(none)')}`);
          }
        } else if (event.type === 'spawned' && command) {
          printer.note(`running ${escapeControl(supervisor.describeCommand(command))} (pid ${event.pid ?? '?'}) whatever the role`);
        } else if (event.type === 'session-lost') {
          printer.warn(`${event.error.message}${event.wasLeader ? '; demoted to follower' : ''}; the command keeps running`);
        } else if (event.type === 'released' && !event.release.confirmed) {
          printer.warn(`leadership node could not be released (${event.release.why}): it goes when session ${event.release.sessionId} expires`);
        }
      },
    });
    if (outcome.kind === 'command-exited' && outcome.startError) printer.error(`could not run the command: ${outcome.startError.message}`);
    if (outcome.kind === 'stopped' || outcome.kind === 'command-exited') {
      if (outcome.release.confirmed) printer.note(`left the election ${spec.status.path}`);
      else printer.warn(`our node in ${spec.status.path} could not be removed (${outcome.release.why}): it goes when session ${outcome.release.sessionId} expires, within ${outcome.release.expiresWithinMs} ms`);
    }
    await hooks.idle();
    ctx.exitCode = exitCodeForHold(outcome, command !== undefined);
  } finally {
    roleFile.remove();
  }
}
