import { constants } from 'node:os';
import { CommanderError } from 'commander';
import { OwnershipLostError, StoppedError, TakenError, WaitTimeoutError } from '../recipes/errors.js';
import {
  BadArgumentsError,
  BadVersionError,
  ConnectFailedError,
  ConnectionLossError,
  InvalidAclError,
  InvalidConnectionStringError,
  NoAuthError,
  NoNodeError,
  NodeExistsError,
  NotEmptyError,
  SessionLostError,
  ZkError,
  ZkTimeoutError,
} from '../zk/index.js';
import { LaunchError } from '../server/launch-error.js';
import { PromptCancelledError } from '../output/prompt.js';

/** Exit codes: one table, documented in --help and README. */
export const ExitCode = {
  Ok: 0,
  Internal: 1,
  Usage: 2,
  Connect: 3,
  Lost: 4,
  NotFound: 5,
  Conflict: 6,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  ok (also after a clean release on SIGINT/SIGTERM)
  1  internal error
  2  usage error or invalid input
  3  cannot connect (no server answered within --connect-timeout, or a request timed out)
  4  session or ownership lost (claim, leadership, lock or ephemeral node no longer held)
  5  node not found
  6  conflict: version mismatch, node exists, ID taken, or gave up waiting
  130/143  interrupted by SIGINT/SIGTERM before anything was held (still connecting or waiting)
  With a supervised command (claim/elect/lock -- cmd): that command's exit code.`;

/** An invalid argument or combination the command itself rejects (commander handles the rest). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ErrorReport {
  code: number;
  /** One line for stderr; undefined when someone already printed it (commander). */
  message: string | undefined;
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
  if (error instanceof NoAuthError || error instanceof InvalidAclError) return { code: ExitCode.Usage, message: error.message };
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
    error instanceof WaitTimeoutError
  ) {
    return { code: ExitCode.Conflict, message: error.message };
  }
  if (error instanceof LaunchError) return { code: ExitCode.Connect, message: error.message };
  if (error instanceof PromptCancelledError) return { code: ExitCode.Usage, message: error.message };
  if (error instanceof StoppedError) {
    // Interrupted before anything was held (still connecting or waiting): not a success. 128 + the signal,
    // as a shell reports a process it killed, so `zk-coord lock … -- deploy && echo done` does not echo.
    const signal = typeof error.reason === 'string' ? constants.signals[error.reason as NodeJS.Signals] : undefined;
    return { code: 128 + (signal ?? constants.signals.SIGINT), message: undefined };
  }
  if (error instanceof ZkError) return { code: ExitCode.Internal, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: ExitCode.Internal, message: `internal error: ${message} (please report it; ZK_COORD_DEBUG=1 shows the stack)` };
}
