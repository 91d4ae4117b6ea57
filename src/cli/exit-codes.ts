import { CommanderError } from 'commander';
import { ConventionConflictError, OwnershipLostError, StoppedError, TakenError, WaitTimeoutError } from '../recipes/errors.js';
import { ImportConflictError, InvalidDocumentError } from '../recipes/config/errors.js';
import { ItemTooLargeError, QueueEmptyError } from '../recipes/queue/errors.js';
import { CounterFormatError, CounterOverflowError, CounterVersionWrappedError } from '../recipes/counter/format.js';
import {
  BadArgumentsError,
  BadVersionError,
  ConnectFailedError,
  ConnectionLossError,
  InvalidAclError,
  InvalidConnectionStringError,
  MultiOpError,
  NoAuthError,
  NoNodeError,
  NodeExistsError,
  NotEmptyError,
  RequestDroppedError,
  RequestTooLargeError,
  SessionLostError,
  ZkError,
  ZkTimeoutError,
} from '../zk/index.js';
import { LaunchError } from '../server/launch-error.js';
import { PromptCancelledError } from '../output/prompt.js';
import { signalStatus } from '../process/signals.js';
import type { HoldOutcome } from '../hold/index.js';

/** Exit codes: one table, documented in --help and README. */
export const ExitCode = {
  Ok: 0,
  Internal: 1,
  Usage: 2,
  Connect: 3,
  Lost: 4,
  NotFound: 5,
  Conflict: 6,
  /** Stopped while holding, but the server could not confirm the release: the node stays until the session expires. */
  Unreleased: 7,
  /** The server refused: the node's ACL does not allow it for our credentials (ZK_COORD_AUTH). */
  NotAuthorised: 8,
  /** status: some servers of the connection string are down, the others serve. */
  Degraded: 9,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  ok (also after a clean release on SIGINT/SIGTERM)
  1  internal error; queue work: an item's command failed
  2  usage error or invalid input (queue push: an item too large for one request)
  3  cannot connect (no server answered within --connect-timeout, or a request timed out)
  4  session or ownership lost (claim, leadership, lock or ephemeral node no longer held; queue work: an
     item was lost with the session and goes to another worker)
  5  node not found (queue pop: the queue is empty)
  6  conflict: version mismatch, node exists, ID taken, gave up waiting (config wait/barrier --timeout),
     a counter value out of its format's range, or contenders of another library's convention on the path
     (lock/elect --compat)
  7  stopped while holding, but the release was not confirmed by the server (disconnected): the node stays
     until the session expires (the message says when at the latest)
  8  not authorised: a node's ACL refuses this for our credentials (ZK_COORD_AUTH, --auth-file); ls lists what
     it can, marks the rest, and ends with 8
  9  status: degraded, some servers of the connection string are down (3: all of them)
  129/130/143  interrupted by SIGHUP/SIGINT/SIGTERM before anything was held (connecting, waiting) — nothing ran
  With a supervised command (claim/elect/lock/register/barrier/config set -e -- cmd): that command's exit code
  (128+N if a signal ended it), whether it ended by itself or was stopped; 4 if the hold was lost and the command stopped
  (barrier: a command that succeeded exits 6 if the others do not leave within --timeout). queue work: 1, 4
  or 0 as above.`;

/**
 * The holder's share of the table above, in every holder's --help (claim, elect, lock, register, barrier,
 * queue work, config set): one rule, exitCodeForHold for the outcomes of a hold, reportFor for the errors.
 */
export const HOLDER_EXIT_CODES_HELP = `
Exit codes (the same rule in every holder):
  0            held, then stopped by SIGINT/SIGTERM and the release confirmed by the server (no command)
  7            the same, but the release not confirmed (disconnected): the node stays until the session
               expires (no command; with one, its code)
  129/130/143  stopped by SIGHUP/SIGINT/SIGTERM before anything was held: nothing announced, nothing ran
  with a command: its own code (128+N if signal N ended it), whether it ended by itself or was stopped
  4            the hold was lost (the command stopped first); elect and claim --reclaim hold again instead
  2 usage error · 3 cannot connect · 6 gave up waiting (--timeout) · 8 not authorised (the path's ACL)
  barrier: a command that succeeded exits 6 (4) if the others do not leave in time (the session is lost);
  queue work runs many commands: 1 if one failed, else 4 if an item was lost with the session, else 0`;

/** An invalid argument or combination the command itself rejects (commander handles the rest). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ErrorReport {
  code: number;
  /** One line for stderr; undefined when someone already printed it (commander). */
  message: string | undefined;
}

/**
 * A line after commander's own usage error that names the fix, where the command line shows the trap:
 * `-s host` after a zkCli word (where -s is zkCli's stat), a short flag that is a long one's initial.
 */
export function usageHint(error: unknown, argv: readonly string[]): string | undefined {
  if (!(error instanceof CommanderError)) return undefined;
  const s = argv.indexOf('-s');
  if (error.code === 'commander.excessArguments' && s > 0 && argv[s + 1] !== undefined && /[:.]/.test(argv[s + 1] as string)) {
    return `hint: after ${argv.find((a) => !a.startsWith('-')) ?? 'this command'}, -s is zkCli's stat; give the server before the command (zk-coord -s ${argv[s + 1]} …) or as --server ${argv[s + 1]}`;
  }
  return undefined;
}

/** The one mapping from errors to exit codes and messages. No stack trace for any expected error. */
export function reportFor(error: unknown): ErrorReport {
  if (error instanceof CommanderError) {
    // commander printed its own message; help and --version exit 0.
    const ok = error.exitCode === 0;
    return { code: ok ? ExitCode.Ok : ExitCode.Usage, message: undefined };
  }
  if (error instanceof UsageError || error instanceof InvalidConnectionStringError || error instanceof BadArgumentsError) {
    return { code: ExitCode.Usage, message: error.message };
  }
  if (error instanceof NoAuthError) return { code: ExitCode.NotAuthorised, message: error.message };
  if (error instanceof InvalidAclError) return { code: ExitCode.Usage, message: error.message };
  if (error instanceof InvalidDocumentError || error instanceof CounterFormatError) return { code: ExitCode.Usage, message: error.message };
  // Refused before sending: nothing changed.
  if (error instanceof RequestTooLargeError || error instanceof ItemTooLargeError) return { code: ExitCode.Usage, message: error.message };
  if (error instanceof RequestDroppedError) return { code: ExitCode.Connect, message: error.message };
  if (error instanceof QueueEmptyError) return { code: ExitCode.NotFound, message: error.message };
  if (error instanceof CounterOverflowError || error instanceof CounterVersionWrappedError) return { code: ExitCode.Conflict, message: error.message };
  if (error instanceof ImportConflictError) return { code: ExitCode.Conflict, message: error.message };
  if (error instanceof MultiOpError) return { code: reportFor(error.failure).code, message: error.message };
  if (error instanceof ConnectFailedError || error instanceof ZkTimeoutError) {
    return { code: ExitCode.Connect, message: error.message };
  }
  if (error instanceof ConnectionLossError) {
    return { code: ExitCode.Connect, message: `${error.message}; it may or may not have been applied` };
  }
  if (error instanceof SessionLostError) {
    return { code: error.reason === 'auth-failed' ? ExitCode.Connect : ExitCode.Lost, message: error.message };
  }
  if (error instanceof OwnershipLostError) return { code: ExitCode.Lost, message: error.message };
  if (error instanceof NoNodeError) return { code: ExitCode.NotFound, message: error.message };
  if (
    error instanceof NodeExistsError ||
    error instanceof BadVersionError ||
    error instanceof NotEmptyError ||
    error instanceof TakenError ||
    error instanceof ConventionConflictError ||
    error instanceof WaitTimeoutError
  ) {
    return { code: ExitCode.Conflict, message: error.message };
  }
  if (error instanceof LaunchError) return { code: ExitCode.Connect, message: error.message };
  // Ctrl+C at a prompt: interrupted, as Ctrl+C anywhere else (130, the documented code), nothing done.
  if (error instanceof PromptCancelledError) return { code: signalStatus('SIGINT'), message: `${error.message}: nothing done` };
  if (error instanceof StoppedError) {
    // Interrupted before anything was held (still connecting or waiting): not a success. 128 + the signal,
    // as a shell reports a process it killed, so `zk-coord lock … -- deploy && echo done` does not echo.
    const signal = typeof error.reason === 'string' && error.reason.startsWith('SIG') ? (error.reason as NodeJS.Signals) : 'SIGINT';
    return { code: signalStatus(signal), message: undefined };
  }
  if (error instanceof ZkError) return { code: ExitCode.Internal, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: ExitCode.Internal, message: `internal error: ${message} (please report it; ZK_COORD_DEBUG=1 shows the stack)` };
}

/**
 * The one exit-code rule of every holder (claim, elect, lock, config set -e): interrupted before holding →
 * 128 + signal (nothing ran); with a command → the command's own status, whether it ended by itself or was
 * stopped; without one, stopped → 0 when the server confirmed the release, 7 when it could not; lost → 4.
 */
export function exitCodeForHold(outcome: HoldOutcome, withCommand: boolean): number {
  switch (outcome.kind) {
    case 'interrupted':
      return signalStatus(outcome.signal);
    case 'command-exited':
      return outcome.status;
    case 'stopped':
      if (withCommand && outcome.commandStatus !== undefined) return outcome.commandStatus;
      return outcome.release.confirmed ? ExitCode.Ok : ExitCode.Unreleased;
    case 'lost':
      return ExitCode.Lost;
  }
}
