/** SIGINT/SIGTERM as an AbortSignal: long-running commands release what they hold and return normally. */
export interface StopSignals {
  signal: AbortSignal;
  /** The signal that arrived, if any. */
  readonly received: NodeJS.Signals | undefined;
  dispose(): void;
}

export function listenForStop(): StopSignals {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (name: NodeJS.Signals): void => {
    // A second Ctrl+C while releasing is ignored: release and close are capped at about a second.
    if (received) return;
    received = name;
    controller.abort(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Resolves when the signal aborts (at once if it already has). */
export function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
