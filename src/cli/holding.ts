import { Option, type Command } from 'commander';
import { runHold, type Hold, type HoldOutcome, type Release } from '../hold/index.js';
import { HolderStatus, type HolderRole, type HolderSnapshot } from '../hold/status.js';
import type { StatusServer } from '../http/status-server.js';
import { SessionLostError } from '../zk/index.js';
import type { ChildCommand } from '../process/child.js';
import { watchParent, whenAborted } from '../process/signals.js';
import { StoppedError } from '../recipes/errors.js';
import { escapeControl } from '../output/escape.js';
import { outputPolicy } from '../output/io.js';
import type { Printer } from '../output/printer.js';
import { formatDuration } from '../units.js';
import type { ZkClient } from '../zk/index.js';
import type { CommandContext } from './context.js';
import { HOLDER_EXIT_CODES_HELP, UsageError, exitCodeForHold } from './exit-codes.js';
import { reconnect } from './follow.js';
import { unrunnable } from './hints.js';
import { parseSeconds } from './options.js';
import { collectAcl } from './security.js';
import { parseHolderAcl, type HolderAcl } from '../zk/acl.js';

/** The options every holder shares (claim, elect, lock, register, barrier, queue work, config set -e). */
export interface HolderFlags {
  exec?: string;
  grace: number;
  suspendGrace?: number;
  detach?: boolean;
  acl?: string[];
  http?: string;
}

/** The held node's ACL (and its new parents'), from --acl; parsed before connecting. */
export function holderAcl(ctx: CommandContext, flags: HolderFlags): Partial<HolderAcl> {
  return flags.acl ? parseHolderAcl(flags.acl, ctx.globals.auth !== undefined) : {};
}

/**
 * --exec, --grace, --suspend-grace, --detach, --acl and --http, with one wording and one default for every
 * holder. `acl: false`: the command has an --acl of its own (config set, whose --acl also serves plain writes).
 */
export function addHolderOptions(command: Command, whileHeld: string, options: { exec?: boolean; acl?: boolean } = {}): Command {
  if (options.exec !== false) command.option('--exec <command>', `run this shell command ${whileHeld} (or give it after --)`);
  command
    .addOption(new Option('--grace <duration>', 'after SIGTERM, how long the command may take before SIGKILL (bare number: seconds)').argParser(parseSeconds).default(5000, '5s'))
    .addOption(
      new Option('--suspend-grace <duration>', 'disconnected this long, give the hold up and stop the command (default: a quarter of the session timeout; capped by the margin)').argParser(
        parseSeconds,
      ),
    )
    .option('--detach', 'keep holding when the parent process (the shell or CI step that started zk-coord) goes away');
  if (options.acl !== false) {
    command.option('--acl <acl>', 'ACL of the held node: "creator" (only the ZK_COORD_AUTH identity may change or delete it; readable by all) or zkCli forms, see acl --help', collectAcl);
  }
  return command.option('--http <[host:]port>', 'answer over HTTP: / (state), /id, /leader, /follower, /health, /events, /metrics (loopback unless a host is given)');
}

/** The holder options given on the command line, by flag: a command that holds only in one mode (config set -e) refuses them otherwise. */
export function holderOptionsGiven(command: Command): string[] {
  const flags: Record<string, string> = { exec: '--exec', grace: '--grace', suspendGrace: '--suspend-grace', detach: '--detach', http: '--http' };
  return Object.entries(flags).flatMap(([key, flag]) => (command.getOptionValueSource(key) === 'cli' ? [flag] : []));
}

export const HOLDER_HELP = `
Supervision: the command runs in a process group of its own; every stop signals the whole group (SIGTERM, or
the signal received, then SIGKILL after --grace), and nothing it started outlives the hold. If zk-coord itself
dies (SIGKILL, crash) or stalls, the group is killed by a keeper process within 5/8 of the session timeout of
the last word from ZooKeeper: at least a quarter of the timeout before the server can expire the session and
let anyone else hold. When the parent process goes away, the hold is released as on SIGHUP (--detach: not).
${HOLDER_EXIT_CODES_HELP}`;

export interface HolderSpec<Detail> {
  /**
   * The acquire step for this session (a new session after a loss gets a new one); `onWaiting` is called
   * whenever the step finds it must wait, with the current leader's (or holder's) name where it knows one.
   */
  acquire(client: ZkClient, onWaiting?: (leader: string | undefined) => void): (signal: AbortSignal) => Promise<Hold<Detail>>;
  /** What the status (--http, the role file) says of this holder. */
  status: { recipe: HolderSnapshot['recipe']; path: string; name?: string; held: HolderRole; waiting: HolderRole; describe?(hold: Hold<NoInfer<Detail>>): Partial<HolderSnapshot> };
  /** An election: --standby, the hooks, the role file, and who leads as every candidate sees it. */
  election?: ElectionSpec;
  /** The command's environment (ZK_COORD_*), on top of ours. */
  env(hold: Hold<Detail>, client: ZkClient): Record<string, string>;
  /** Bytes for the command's stdin (queue work: the item); without, it shares ours. */
  input?(hold: Hold<Detail>): Buffer | undefined;
  /**
   * After an outcome: hold again on the same session (queue work: the next item after the command's own
   * exit). Called after the outcome's lines and exit code.
   */
  next?(outcome: HoldOutcome): boolean;
  /**
   * After the command's own exit and the release: what must still happen before zk-coord exits (barrier: wait
   * for the round's other members to leave). Aborted by the stop signal.
   */
  afterCommand?(hold: Hold<Detail>, client: ZkClient, signal: AbortSignal): Promise<void>;
  /** Once held, before any command starts: print the result line. */
  announce(hold: Hold<Detail>, client: ZkClient): void;
  /** After a loss while holding: exit 4, or take it again with a new session (claim --reclaim, elect). */
  again: boolean;
  /** A session lost while still waiting costs only our place: take it again with a new session (elect). */
  againWhileWaiting?: boolean;
  /** Command-specific lines for an outcome (elect's "lost" and "resigned"), printed before the generic ones. */
  onOutcome?(outcome: HoldOutcome, hold: Hold<Detail> | undefined, client: ZkClient): void;
  /** Called before taking it again with a new session (claim remembers the old session). */
  beforeAgain?(previous: ZkClient): void;
  /**
   * An advisory hold (register): a disconnection is no loss, and after a loss it is taken again (a new session
   * where the old one is gone) while the command keeps running; `again` is then ignored.
   */
  advisory?: boolean;
}

/**
 * A holder's result line (the ID, "leader …", "acquired …"): stdout without a command; with one, stdout is the
 * command's alone (`claim -- ./report.sh > out.json` holds only what the command wrote), so the line goes to
 * stderr as a note (the command gets the same facts in its ZK_COORD_* environment). `-o json` asks for the
 * records themselves: they stay on stdout, one JSON line each, for a supervisor that parses them.
 */
export function holderResult(printer: Printer, withCommand: boolean, text: string, json: unknown): void {
  if (withCommand && !printer.json) printer.note(text);
  else printer.result(text, json);
}

export function describeRelease(hold: Hold, release: Release): { ok: boolean; text: string } {
  if (release.confirmed && release.how === 'consumed') return { ok: true, text: `done with ${hold.what}` };
  if (release.confirmed) return { ok: true, text: `released ${hold.what.includes(hold.path) ? hold.what : `${hold.what} (${hold.path})`}` };
  return {
    ok: false,
    text: `${hold.path} could not be released (${release.why}): ZooKeeper keeps it until session ${release.sessionId} expires, within ${formatDuration(release.expiresWithinMs)}`,
  };
}

/**
 * A command that cannot run (not found, not executable) is refused before anything is taken, with the shell's
 * status (127/126): true when refused, the message printed and the exit code set.
 */
export function refusedUnrunnable(ctx: CommandContext, command: ChildCommand | undefined): boolean {
  const cannot = command && 'argv' in command ? unrunnable(command.argv[0] ?? '', ctx.io.env) : undefined;
  if (!cannot) return false;
  ctx.printer.error(cannot.message);
  ctx.exitCode = cannot.status;
  return true;
}

/**
 * The one way a holding command runs: connect, acquire, announce, supervise the command, hold until stopped,
 * the command's end or the loss, release, and exit with the one exit-code rule (exitCodeForHold). After a loss
 * it takes the hold again with a new session where the spec says so.
 */
export async function runHolder<Detail>(ctx: CommandContext, flags: HolderFlags, command: ChildCommand | undefined, spec: HolderSpec<Detail>): Promise<void> {
  if (refusedUnrunnable(ctx, command)) return;
  ctx.holdSignals();
  // A holder never dies of its own output streams (run.ts): its command would be left without a supervisor.
  outputPolicy.holding = true;
  const { printer } = ctx;
  const stopWatchingParent = flags.detach
    ? () => {}
    : watchParent(() => {
        printer.warn('the parent process went away: releasing (use --detach to keep holding)');
        ctx.stop.trigger('SIGHUP');
      });
  const status = new HolderStatus({ recipe: spec.status.recipe, path: spec.status.path, role: spec.status.waiting, name: spec.status.name });
  const http = flags.http !== undefined ? await serveStatus(ctx, status, flags.http) : undefined;
  try {
    if (spec.election?.standby) {
      const { runStandbyHolder } = await import('./standby.js');
      return await runStandbyHolder(ctx, flags, command, spec as unknown as HolderSpec<unknown>, spec.election, status);
    }
    const hooks = spec.election ? await spec.election.hooks(ctx) : undefined;
    let transitions = 0;
    let client = await ctx.connect();
    status.attach(client);
    for (;;) {
      let held: Hold<Detail> | undefined;
      let outcome: HoldOutcome;
      try {
        const supervisor = command ? await import('../process/child.js') : undefined;
        const observer = spec.election && http ? await spec.election.observeLeader(client, (leader) => status.role !== 'leader' && status.update({ leader: leader ?? null })).catch(() => undefined) : undefined;
        outcome = await runHold<Detail>({
          session: client,
          acquire: spec.acquire(client, (leader) => status.update({ role: spec.status.waiting, ...(leader !== undefined ? { leader } : {}) })),
          leaving: hooks?.any ? (deadlineAt) => hooks.transition('follower', 'leader', ++transitions, deadlineAt) : undefined,
          signal: ctx.stop.signal,
          policy: { termGraceMs: flags.grace, suspendGraceMs: flags.suspendGrace, advisory: spec.advisory === true },
          reacquire: spec.advisory
            ? async (_lost, attempt) => {
                // The node may be gone while the session lives (deleted by hand): take it again on the same one.
                if (client.state !== 'connected' && client.state !== 'suspended') {
                  spec.beforeAgain?.(client);
                  await ctx.release(client);
                  client = await untilAborted(reconnect(ctx), attempt);
                  status.attach(client);
                }
                return { session: client, acquire: spec.acquire(client) };
              }
            : undefined,
          command:
            command && supervisor
              ? {
                  command,
                  env: (hold) => ({ ...ctx.io.env, ...spec.env(hold, client) }),
                  input: spec.input ? (hold) => spec.input?.(hold) : undefined,
                  supervise: (c, o) => new supervisor.SupervisedChild(c, o),
                }
              : undefined,
          onEvent: (event) => {
            if (event.type === 'reacquiring') {
              status.update({ role: spec.status.waiting, node: null, token: null });
              printer.warn(`${event.error.message}; taking it again${command ? ' (the command keeps running)' : ''}`);
            } else if (event.type === 'acquired') {
              held = event.hold;
              status.update({ role: spec.status.held, node: event.hold.path, token: event.hold.token.toString(), ...(spec.status.name && spec.election ? { leader: spec.status.name } : {}), ...spec.status.describe?.(event.hold) });
              spec.announce(event.hold, client);
              if (hooks?.any) void hooks.transition('leader', 'follower', ++transitions, undefined, event.hold.token);
            } else if (event.type === 'spawned' && command && supervisor) {
              printer.note(`running ${escapeControl(supervisor.describeCommand(command))} (pid ${event.pid ?? '?'})`);
            }
          },
        }).finally(() => observer?.stop());
      } catch (error) {
        if (!(error instanceof SessionLostError) || !spec.againWhileWaiting || ctx.stop.signal.aborted) throw error;
        printer.warn(`${error.message} while waiting`);
        await again(ctx, client, spec);
        client = await reconnect(ctx);
        status.attach(client);
        continue;
      }
      status.update({ role: spec.status.waiting, node: null, token: null, id: null, ...(spec.election ? { leader: null } : {}) });
      spec.onOutcome?.(outcome, held, client);
      // After a loss there is nothing to report released: the loss line says it all.
      if (held && outcome.kind !== 'lost' && outcome.release) {
        const { ok, text } = describeRelease(held, outcome.release);
        if (ok) printer.note(text);
        else printer.warn(text);
      }
      if (outcome.kind === 'command-exited' && outcome.startError) printer.error(`could not run the command: ${outcome.startError.message}`);
      if (outcome.kind === 'lost') printer.error(`${outcome.error.message}${command ? '; command stopped' : ''}`);
      ctx.exitCode = exitCodeForHold(outcome, command !== undefined);
      if (outcome.kind === 'command-exited' && held && spec.afterCommand) await spec.afterCommand(held, client, ctx.stop.signal);
      if (!ctx.stop.signal.aborted && outcome.kind !== 'lost' && spec.next?.(outcome)) continue;
      if (outcome.kind !== 'lost' || !spec.again || ctx.stop.signal.aborted) return;
      await again(ctx, client, spec);
      client = await reconnect(ctx);
      status.attach(client);
    }
  } finally {
    stopWatchingParent();
    status.close();
    http?.close();
  }
}

/** `work`, or StoppedError as soon as `signal` aborts (a reconnect loop must not outlive the command it serves). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new StoppedError(signal.reason));
  const aborted = whenAborted(signal);
  return Promise.race([work, aborted.then(() => Promise.reject(new StoppedError(signal.reason)))]).finally(() => aborted.dispose());
}

/** An election's parts of the holder (elect): built by the command, run by this shared path. */
export interface ElectionSpec {
  standby: boolean;
  /** Follows who leads (a children watch on the election), for every candidate's leader line. */
  observeLeader(client: ZkClient, onLeader: (leader: string | undefined) => void): Promise<{ stop(): void }>;
  /** The --on-elected/--on-demoted queue (loaded only when a hook is given). */
  hooks(ctx: CommandContext): Promise<import('../hold/hooks.js').TransitionHooks>;
  roleFile?: string | undefined;
  roleSignal?: NodeJS.Signals | undefined;
}

/** Binds --http before anything is held: a port in use is a usage error (exit 2) with nothing created. */
export async function serveStatus(ctx: CommandContext, status: HolderStatus, spec: string): Promise<StatusServer> {
  const { HttpAddressError, parseHttpAddress, startStatusServer } = await import('../http/status-server.js');
  try {
    const server = await startStatusServer(status, parseHttpAddress(spec));
    const host = server.address.host.includes(':') ? `[${server.address.host}]` : server.address.host;
    ctx.printer.note(`answering on http://${host}:${server.address.port}/`);
    return server;
  } catch (error) {
    if (error instanceof HttpAddressError) throw new UsageError(error.message);
    throw error;
  }
}

export async function again<Detail>(ctx: CommandContext, client: ZkClient, spec: HolderSpec<Detail>): Promise<void> {
  spec.beforeAgain?.(client);
  // The old session may still live (suspended past the grace): drop it, so its nodes go at its expiry at the
  // latest; the new session's acquire removes what it can recognise as ours.
  await ctx.release(client);
  ctx.printer.note('taking it again with a new session');
}
