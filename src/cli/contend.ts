import { SequentialContender, type Turn, type WaitingInfo } from '../recipes/contenders.js';
import type { ChildCommand } from '../process/child.js';
import type { ZkClient } from '../zk/index.js';
import type { CommandContext } from './context.js';
import { holdNode, type HoldOutcome } from './hold.js';

export interface ContendOptions {
  parent: string;
  prefix: string;
  name: string;
  slots: number;
  /** What is held, for messages: "leadership of /election", "lock /locks/db". */
  what: string;
  command: ChildCommand | undefined;
  graceMs: number;
  suspendGraceMs: number | undefined;
  waitTimeoutMs?: number | undefined;
  onEntered?: (contender: SequentialContender) => void;
  onWaiting: (info: WaitingInfo) => void;
  /** Called once we hold, before the child starts: print the stdout line. */
  onAcquired: (turn: Turn, contender: SequentialContender) => void;
  env: (turn: Turn) => Record<string, string>;
}

export interface ContendResult {
  outcome: HoldOutcome;
  turn: Turn;
}

/**
 * Enters the queue, waits for our turn, then holds while the command runs (or until stopped or lost), and
 * leaves the queue. The shared life of `elect` and `lock`.
 */
export async function contend(ctx: CommandContext, client: ZkClient, options: ContendOptions): Promise<ContendResult> {
  const contender = new SequentialContender(client, {
    parent: options.parent,
    prefix: options.prefix,
    data: Buffer.from(options.name, 'utf8'),
    slots: options.slots,
  });
  try {
    await contender.enter();
    options.onEntered?.(contender);
    const turn = await contender.awaitTurn({
      signal: ctx.stop.signal,
      deadline: options.waitTimeoutMs !== undefined ? Date.now() + options.waitTimeoutMs : undefined,
      timeoutMs: options.waitTimeoutMs,
      onWaiting: options.onWaiting,
    });
    const { outcome } = await holdNode(ctx, client, {
      path: contender.node!.path,
      what: options.what,
      command: options.command,
      env: options.env(turn),
      graceMs: options.graceMs,
      suspendGraceMs: options.suspendGraceMs,
      announce: () => options.onAcquired(turn, contender),
    });
    return { outcome, turn };
  } finally {
    await contender.leave();
  }
}
