import { constants } from 'node:os';

/** SIGINT/SIGTERM/SIGHUP as an AbortSignal: long-running commands release what they hold and return normally. */
export interface StopSignals {
  signal: AbortSignal;
  /** The signal that arrived, if any. */
  readonly received: NodeJS.Signals | undefined;
  /** Stops as if `name` had arrived (the parent went away: SIGHUP, as a closed terminal sends). */
  trigger(name: NodeJS.Signals): void;
  dispose(): void;
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function listenForStop(): StopSignals {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (name: NodeJS.Signals): void => {
    // A second Ctrl+C while stopping is ignored: what the stop waits for is bounded already (release and close
    // at about a second; a supervised command by --grace; a running elect hook by --hook-timeout).
    if (received) return;
    received = name;
    controller.abort(name);
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    trigger: onSignal,
    dispose: () => {
      for (const name of STOP_SIGNALS) process.off(name, onSignal);
    },
  };
}

/**
 * Calls `onGone` once this process's parent has gone (its parent pid changed: we were re-parented to init or
 * a subreaper). Portable where a parent-death signal is not (Linux only, and Node cannot ask for it). Checked
 * twice a second; the timer does not keep the process alive.
 */
export function watchParent(onGone: () => void, intervalMs = 500): () => void {
  const original = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== original) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Resolves when the signal aborts (at once if it already has). `dispose()` removes the listener: a loop that
 * races this against each retry must dispose of it every turn, or each turn leaves one listener on the
 * process-long signal (issue 10: "MaxListenersExceededWarning: 11 abort listeners" after minutes of retries).
 */
export function whenAborted(signal: AbortSignal): Promise<void> & { dispose(): void } {
  let onAbort: (() => void) | undefined;
  const promise = new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Object.assign(promise, {
    dispose: () => {
      if (onAbort) signal.removeEventListener('abort', onAbort);
      onAbort = undefined;
    },
  });
}

/** `work`, or undefined once the signal aborts, whichever comes first; no listener is left behind. */
export async function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  const aborted = whenAborted(signal);
  try {
    return await Promise.race([work, aborted.then(() => undefined)]);
  } finally {
    aborted.dispose();
  }
}

/** 128 + the signal's number: what a shell reports for a process that signal ended. */
export function signalStatus(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}
