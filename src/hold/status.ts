import { EventEmitter } from 'node:events';
import type { StateChangeEvent } from '../zk/index.js';
import type { SessionView } from './margin.js';

/**
 * What a holder is now, as its sidecar answers (`--http`): `leader`/`follower` for an election (with or
 * without --standby), `holder`/`waiting` for a lock or an ID, `observer` for `elect --observe`.
 */
export type HolderRole = 'leader' | 'follower' | 'holder' | 'waiting' | 'observer';

/** The connection as a probe sees it: `suspended` while the session may still live, `lost` once it is gone. */
export type ProbeConnection = 'connecting' | 'connected' | 'suspended' | 'lost';

export interface HolderSnapshot {
  recipe: 'claim' | 'elect' | 'lock' | 'config' | 'register' | 'barrier' | 'queue';
  /** The recipe's znode (the election, the lock, the ID parent). */
  path: string;
  /** Our own node, while we have one. */
  node: string | null;
  role: HolderRole;
  /** This candidate's name (elect, lock). */
  name: string | null;
  /** The claimed ID (claim). */
  id: number | null;
  /** The current leader's name as the last watch saw it (elect). */
  leader: string | null;
  session: string | null;
  connection: ProbeConnection;
  /** Ms since the last byte from the server. */
  lastContactMs: number | null;
  /** The fencing token of our hold (our node's creation zxid), while held. */
  token: string | null;
  /** When the current role began (ISO 8601). */
  since: string;
  /** Increases at every change a watcher would care about: role, leader, node, session, connection. */
  sequence: number;
}

export interface HolderCounters {
  reconnects: number;
  suspensions: number;
  expirations: number;
  leadershipChanges: number;
}

interface StatusEvents {
  change: [HolderSnapshot];
}

const isHeld = (role: HolderRole): boolean => role === 'leader' || role === 'holder';

/**
 * A holder's state and counters, kept up to date by the lifecycle (roles, nodes) and by the sessions it is
 * attached to (connection, contact). `change` fires once per real change (the sequence number increases);
 * passing time (last contact) is not a change. Never holds a secret: no credentials, no node data but names.
 */
export class HolderStatus extends EventEmitter<StatusEvents> {
  readonly counters: HolderCounters = { reconnects: 0, suspensions: 0, expirations: 0, leadershipChanges: 0 };
  private state: Omit<HolderSnapshot, 'lastContactMs' | 'sequence'>;
  private sequenceValue = 0;
  private session: SessionView | undefined;
  private detach: (() => void) | undefined;
  private sessions = 0;

  constructor(initial: { recipe: HolderSnapshot['recipe']; path: string; role: HolderRole; name?: string | undefined }) {
    super();
    this.state = {
      recipe: initial.recipe,
      path: initial.path,
      node: null,
      role: initial.role,
      name: initial.name ?? null,
      id: null,
      leader: null,
      session: null,
      connection: 'connecting',
      token: null,
      since: new Date().toISOString(),
    };
  }

  get sequence(): number {
    return this.sequenceValue;
  }

  get role(): HolderRole {
    return this.state.role;
  }

  get held(): boolean {
    return isHeld(this.state.role);
  }

  /** Seconds since the server was last heard from (undefined before any session). */
  contactAgeMs(): number | undefined {
    return this.session ? Math.max(0, Date.now() - this.session.lastHeardAt) : undefined;
  }

  snapshot(): HolderSnapshot {
    const age = this.contactAgeMs();
    return { ...this.state, lastContactMs: age ?? null, sequence: this.sequenceValue };
  }

  /** Follows a (new) session: its connection state, its contact; a session after the first counts as a reconnect. */
  attach(session: SessionView & { readonly sessionIdHex: string }): void {
    this.detach?.();
    this.session = session;
    this.sessions += 1;
    if (this.sessions > 1) this.counters.reconnects += 1;
    const onState = (event: StateChangeEvent): void => {
      if (event.state === 'suspended') this.counters.suspensions += 1;
      else if (event.state === 'lost') this.counters.expirations += 1;
      else if (event.state === 'connected' && event.previous === 'suspended') this.counters.reconnects += 1;
      this.update({ connection: probeConnection(event.state) });
    };
    session.on('state', onState);
    this.detach = () => session.off('state', onState);
    this.update({ connection: probeConnection(session.state), session: session.sessionIdHex });
  }

  /** Applies a change; emits `change` only if something visible changed. */
  update(change: Partial<Omit<HolderSnapshot, 'lastContactMs' | 'sequence' | 'since'>>): void {
    const next = { ...this.state, ...change };
    const keys = Object.keys(change) as (keyof typeof change)[];
    if (keys.every((k) => this.state[k] === next[k])) return;
    if (next.role !== this.state.role) {
      next.since = new Date().toISOString();
      if (isHeld(next.role) !== isHeld(this.state.role)) this.counters.leadershipChanges += 1;
    }
    this.state = next;
    this.sequenceValue += 1;
    this.emit('change', this.snapshot());
  }

  /** Stops following the session. */
  close(): void {
    this.detach?.();
    this.detach = undefined;
  }
}

function probeConnection(state: string): ProbeConnection {
  if (state === 'connected' || state === 'suspended' || state === 'connecting') return state;
  return 'lost';
}
