import { EventEmitter } from 'node:events';
import { OwnershipLostError } from '../recipes/errors.js';
import type { ConnectionState, StateChangeEvent } from '../zk/index.js';
import { formatDuration } from '../units.js';

/**
 * The supervision margin, a rule of every hold. With T the negotiated session timeout and t0 the moment the
 * server last provably heard us (the send time of the newest request it answered: it cannot expire the
 * session before t0 + T):
 * - the connection layer calls a connected server silent at t0 + T/4 (it pings every T/8) → `suspended`;
 * - the hold is given up at suspension + the suspend grace (default T/4), so at t0 + T/2 for a silent server:
 *   the command gets SIGTERM;
 * - the command's whole process group is dead by t0 + 5T/8 at the latest: its SIGTERM grace is capped there
 *   (SIGKILL then), and the keeper process enforces the same bound by itself if zk-coord stalls;
 * which leaves 3T/8 (at least T/4, the documented guarantee) before the server can expire the session and
 * let another client hold.
 */
export const MARGIN = {
  /** Fraction of T after the server last provably heard us by which the command group is dead. */
  hardStop: 5 / 8,
  /** Default suspend grace, as a fraction of T. */
  suspendGrace: 1 / 4,
  /** The guarantee documented and measured: dead at least this fraction of T before the server can expire us. */
  guaranteed: 1 / 4,
} as const;

/** What the margin needs to know of a session (ZkClient has it; unit tests give a fake). */
export interface SessionView {
  readonly state: ConnectionState;
  /** Epoch ms of the last byte from the server (its liveness; not a bound on expiry). */
  readonly lastHeardAt: number;
  /** Epoch ms by which the server had provably heard us: the send time of the newest request it answered. */
  readonly heardUsAt: number;
  /** The negotiated session timeout. */
  readonly sessionTimeoutMs: number;
  on(event: 'state', listener: (event: StateChangeEvent) => void): unknown;
  off(event: 'state', listener: (event: StateChangeEvent) => void): unknown;
  on(event: 'heard', listener: () => void): unknown;
  off(event: 'heard', listener: () => void): unknown;
}

/** Epoch ms by which a command of this session must be dead. */
export function hardStopAt(session: SessionView): number {
  return session.heardUsAt + Math.floor(session.sessionTimeoutMs * MARGIN.hardStop);
}

/** The keeper's relative deadline: the cap on each renewal, and the whole rule for advisory holds. */
export function keeperDeadlineMs(sessionTimeoutMs: number): number {
  return Math.floor(sessionTimeoutMs * MARGIN.hardStop);
}

interface SuspensionEvents {
  /** The session stayed suspended past the grace: the hold must be treated as lost. */
  expired: [OwnershipLostError];
}

/**
 * Watches a session for a suspension that lasts past the grace. The grace is capped so that the command still
 * has a moment for SIGTERM before the hard stop: a user's --suspend-grace larger than the margin allows is
 * shortened to fit it.
 */
export class SuspensionGuard extends EventEmitter<SuspensionEvents> {
  private timer: NodeJS.Timeout | undefined;
  private readonly onState = (event: StateChangeEvent): void => {
    if (event.state === 'suspended') this.arm();
    else this.disarm();
  };

  constructor(
    private readonly session: SessionView,
    private readonly what: string,
    private readonly graceMs: number | undefined,
  ) {
    super();
  }

  start(): void {
    this.session.on('state', this.onState);
    if (this.session.state === 'suspended') this.arm();
  }

  stop(): void {
    this.session.off('state', this.onState);
    this.disarm();
  }

  /** The grace in force for this session (the default, or the user's, capped by the margin). */
  effectiveGraceMs(): number {
    const t = this.session.sessionTimeoutMs;
    const wanted = this.graceMs ?? Math.floor(t * MARGIN.suspendGrace);
    // Leave a sixteenth of T for SIGTERM before the hard stop, counting from the silence the layer detects.
    const room = Math.floor(t * (MARGIN.hardStop - 1 / 4 - 1 / 16));
    return Math.max(0, Math.min(wanted, room));
  }

  private arm(): void {
    this.disarm();
    const grace = this.effectiveGraceMs();
    // From the suspension, but never past the room the hard stop leaves (a disconnect long after t0 counts from t0).
    const latest = hardStopAt(this.session) - Math.floor(this.session.sessionTimeoutMs / 16);
    const at = Math.min(Date.now() + grace, latest);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.emit('expired', new OwnershipLostError(this.what, `disconnected from ZooKeeper for more than ${formatDuration(grace)}`));
    }, Math.max(0, at - Date.now()));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
