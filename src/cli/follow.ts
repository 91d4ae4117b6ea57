import { raceAbort } from '../process/signals.js';
import { ConnectFailedError, ZkTimeoutError, type ZkClient } from '../zk/index.js';
import type { CommandContext } from './context.js';

/** A watch recipe that can move to a new session. */
export interface Followable {
  rebind(client: ZkClient): Promise<void>;
  stop(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Keeps a watch going until SIGINT/SIGTERM. When the session is lost, ZooKeeper has dropped our watches:
 * build a new session, say so, and let the watch re-read and report what changed meanwhile.
 */
export async function followUntilStopped(ctx: CommandContext, first: ZkClient, watch: Followable): Promise<void> {
  const stop = ctx.stop.signal;
  let client = first;
  let failure: Error | undefined;
  let wake: () => void = () => {};
  watch.on('error', (error) => {
    failure = error;
    wake();
  });
  try {
    for (;;) {
      const lost = new Promise<void>((resolve) => {
        wake = resolve;
        const onState = (event: { state: string }): void => {
          if (event.state === 'lost') {
            client.off('state', onState);
            resolve();
          }
        };
        client.on('state', onState);
        if (client.state === 'lost') resolve();
      });
      await raceAbort(lost, stop);
      if (stop.aborted) return;
      if (failure && client.state !== 'lost') throw failure;
      failure = undefined;
      ctx.printer.note('building a new session to keep watching');
      await ctx.release(client);
      try {
        client = await reconnect(ctx);
      } catch (error) {
        if (stop.aborted) return;
        throw error;
      }
      if (stop.aborted) return;
      await watch.rebind(client);
      ctx.printer.note(`watching again with session ${client.sessionIdHex}`);
    }
  } finally {
    watch.stop();
  }
}

/**
 * Connects again, retrying (a second apart) while the servers are unreachable, until connected or stopped.
 * Any other failure (authentication, say) would fail the same way every time: it ends the command.
 */
export async function reconnect(ctx: CommandContext): Promise<ZkClient> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await ctx.connect();
    } catch (error) {
      if (ctx.stop.signal.aborted || !(error instanceof ConnectFailedError || error instanceof ZkTimeoutError)) throw error;
      if (attempt === 1) ctx.printer.warn(`${error.message}; still trying`);
      let timer: NodeJS.Timeout | undefined;
      await raceAbort(new Promise((resolve) => (timer = setTimeout(resolve, 1000))), ctx.stop.signal);
      clearTimeout(timer);
    }
  }
}
