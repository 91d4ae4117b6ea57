import { EventEmitter } from 'node:events';
import { NoNodeError, type ZkClient } from '../../zk/index.js';
import { ChildrenWatch, type ChildrenEvent } from '../watch/children-watch.js';
import { CONVENTIONS, ZK_COORD, conventionsPresent, resolveConvention, type Convention, type ConventionChoice } from './conventions.js';
import { ConventionConflictError } from '../errors.js';

/** The current leader as an observer sees it; `undefined` fields when nobody leads. */
export interface LeaderView {
  path: string | undefined;
  name: string | undefined;
  token: bigint | undefined;
  contenders: number;
}

interface ObserverEvents {
  leader: [LeaderView];
  /** The candidates disagree (among themselves, or with the choice): resolveConvention's message; undefined once resolved. */
  conflict: [string | undefined];
  error: [Error];
}

/**
 * Follows an election without taking part (`elect --observe`, etcdctl's `elect -l`): reports the leader
 * (the lowest contender) and each change. An observer watches the parent's children: it must see every
 * contender, and it creates no node, so it adds no herd among contenders.
 */
export class LeaderObserver extends EventEmitter<ObserverEvents> {
  private readonly children: ChildrenWatch;
  private lastPath: string | undefined | null = null;
  private lastConflict: string | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private client: ZkClient,
    readonly parent: string,
    /** Whose order decides the leader; default: detected from the candidates present (zk-coord's when unclear). */
    private readonly compat: ConventionChoice = { conventions: CONVENTIONS },
  ) {
    super();
    this.children = new ChildrenWatch(client, parent);
    this.children.on('event', (event) => {
      this.pending = this.pending.then(() => this.onChildren(event)).catch((error: Error) => {
        this.emit('error', error);
      });
    });
    this.children.on('error', (error) => this.emit('error', error));
  }

  async start(): Promise<void> {
    await this.children.start();
    await this.pending;
  }

  async rebind(client: ZkClient): Promise<void> {
    this.client = client;
    await this.children.rebind(client);
    await this.pending;
  }

  stop(): void {
    this.children.stop();
  }

  /** The one convention present if the choice allows it; else the choice's first (a lone --compat), else ours. */
  private conventionFor(children: readonly string[]): Convention {
    const present = conventionsPresent(children);
    if (present.length === 1 && this.compat.conventions.includes(present[0]!)) return present[0]!;
    return this.compat.conventions.length === 1 ? this.compat.conventions[0]! : ZK_COORD;
  }

  /** Whom the leader is by is a guess when the candidates disagree: say so, once per change, as elect status does. */
  private checkConflict(children: readonly string[]): void {
    let conflict: string | undefined;
    try {
      resolveConvention(this.parent, children, this.compat, 'candidate');
    } catch (error) {
      if (!(error instanceof ConventionConflictError)) throw error;
      conflict = error.message;
    }
    if (conflict !== this.lastConflict) {
      this.lastConflict = conflict;
      this.emit('conflict', conflict);
    }
  }

  private async onChildren(event: ChildrenEvent): Promise<void> {
    this.checkConflict(event.children);
    const sorted = this.conventionFor(event.children).sort(this.parent, event.children);
    for (const head of sorted) {
      if (head.path === this.lastPath) return;
      try {
        const { data, stat } = await this.client.getData(head.path);
        this.lastPath = head.path;
        this.emit('leader', { path: head.path, name: data.toString('utf8'), token: stat.czxid, contenders: sorted.length });
        return;
      } catch (error) {
        // The head left between listing and reading: the next one leads (a new listing will confirm).
        if (!(error instanceof NoNodeError)) throw error;
      }
    }
    if (sorted.length === 0 && this.lastPath !== undefined) {
      this.lastPath = undefined;
      this.emit('leader', { path: undefined, name: undefined, token: undefined, contenders: 0 });
    }
  }
}
