import { OwnershipLostError } from '../recipes/errors.js';
import { HeldNode } from '../recipes/ownership.js';
import type { ChildCommand, SupervisedChild } from '../process/child.js';
import { whenAborted } from '../process/signals.js';
import type { StateChangeEvent, ZkClient } from '../zk/index.js';
import type { CommandContext } from './context.js';
import { ExitCode } from './exit-codes.js';

export interface HoldOutcome {
  /** stopped: SIGINT/SIGTERM; child-exited: the supervised command ended; lost: we no longer hold it. */
  kind: 'stopped' | 'child-exited' | 'lost';
  /** The child's exit status when there was one, else the exit code this outcome stands for. */
  status: number;
  error?: Error;
}

/**
 * Holds until SIGINT/SIGTERM, the child's exit, or `lost`. A signal is forwarded to the child first and its
 * exit awaited (SIGKILL after the grace period); on a loss the child gets SIGTERM, the grace period, SIGKILL.
 */
export async function holdWhile(
  ctx: CommandContext,
  options: { lost: Promise<Error>; child?: SupervisedChild | undefined; graceMs: number },
): Promise<HoldOutcome> {
  const { child, graceMs } = options;
  const stop = ctx.stop;
  type Race = { kind: 'stopped' } | { kind: 'child-exited'; status: number } | { kind: 'lost'; error: Error };
  const race: Promise<Race>[] = [
    whenAborted(stop.signal).then(() => ({ kind: 'stopped' as const })),
    options.lost.then((error) => ({ kind: 'lost' as const, error })),
  ];
  if (child) race.push(child.exited.then((status) => ({ kind: 'child-exited' as const, status })));
  const first = await Promise.race(race);
  switch (first.kind) {
    case 'child-exited':
      return { kind: 'child-exited', status: first.status };
    case 'lost': {
      const status = child ? await child.terminate(graceMs) : ExitCode.Lost;
      return { kind: 'lost', status, error: first.error };
    }
    case 'stopped':
      // The signal we got goes to the child first (Ctrl+C stays Ctrl+C), SIGKILL after the grace period.
      return { kind: 'stopped', status: child ? await child.terminate(graceMs, stop.received ?? 'SIGTERM') : ExitCode.Ok };
  }
}

/**
 * Resolves when the client has been suspended (disconnected) for longer than `graceMs` without reconnecting:
 * the session may still live, but a leader that cannot reach ZooKeeper must assume it no longer leads
 * (Curator TN10). Never resolves if `graceMs` is undefined.
 */
export function suspendedTooLong(client: ZkClient, graceMs: number | undefined, what: string): Promise<Error> {
  return new Promise((resolve) => {
    if (graceMs === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const onState = (event: StateChangeEvent): void => {
      if (event.state === 'suspended') {
        timer = setTimeout(() => {
          client.off('state', onState);
          resolve(new OwnershipLostError(what, `disconnected from ZooKeeper for more than ${graceMs} ms`));
        }, graceMs);
      } else {
        if (timer) clearTimeout(timer);
        timer = undefined;
        if (event.state !== 'connected') client.off('state', onState);
      }
    };
    client.on('state', onState);
  });
}

export interface HoldNodeOptions {
  /** The node whose ownership is what we hold. */
  path: string;
  /** For messages: "ID 3", "leadership of /election". */
  what: string;
  command: ChildCommand | undefined;
  env: Record<string, string>;
  graceMs: number;
  /** Also count a disconnection longer than this as a loss (elect, lock). */
  suspendGraceMs?: number | undefined;
  /** Called once the node is known to be ours, before the child starts: print the stdout line. */
  announce: () => void;
}

/**
 * The life of anything held (an ID, leadership, a lock): watch the node, announce, run the child with its
 * environment, hold until stopped, the child's exit, or the loss. The caller releases (or not) afterwards.
 */
export async function holdNode(ctx: CommandContext, client: ZkClient, options: HoldNodeOptions): Promise<{ outcome: HoldOutcome; held: HeldNode }> {
  const held = new HeldNode(client, options.path, options.what);
  const lost = Promise.race([
    new Promise<Error>((resolve) => held.on('lost', resolve)),
    suspendedTooLong(client, options.suspendGraceMs, options.what),
  ]);
  await held.start();
  options.announce();
  const { command } = options;
  let child: SupervisedChild | undefined;
  let described = '';
  if (command) {
    // Loaded only with a command to run: it brings in child_process, which `config set -e` should not pay for.
    const { SupervisedChild, describeCommand } = await import('../process/child.js');
    child = new SupervisedChild(command, { ...ctx.io.env, ...options.env });
    described = describeCommand(command);
    ctx.printer.note(`running ${described} (pid ${child.pid ?? '?'})`);
  }
  const outcome = await holdWhile(ctx, { lost, child, graceMs: options.graceMs });
  if (child?.startError) ctx.printer.error(`could not run ${described}: ${child.startError.message}`);
  held.stop();
  return { outcome, held };
}
