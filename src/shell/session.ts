import { EventEmitter } from 'node:events';
import type { ConnectionState, Watcher, ZkClient } from '../zk/index.js';

interface SessionEvents {
  /** The state shown in the prompt changed. */
  state: [ConnectionState];
}

/**
 * The one ZooKeeper session a shell works in: ephemeral nodes live as long as it (or until it is lost).
 * After a loss the prompt says `lost` until the next command that needs the server, which opens a new
 * session (with the same `addauth` credentials) and says so: ZooKeeper has dropped the old one's
 * ephemerals and watches.
 */
export class ShellSession extends EventEmitter<SessionEvents> {
  private current: ZkClient;
  private readonly digests: string[] = [];

  constructor(
    first: ZkClient,
    private readonly connect: () => Promise<ZkClient>,
    private readonly note: (text: string) => void,
    /** Where one-shot watches (`get -w`, `stat -w`, `ls -w`) report: one function, so the client dedupes them per path. */
    readonly watcher: Watcher,
  ) {
    super();
    this.current = first;
    this.follow(first);
  }

  private follow(client: ZkClient): void {
    client.on('state', (event) => {
      if (client === this.current) this.emit('state', event.state);
    });
  }

  get state(): ConnectionState {
    return this.current.state;
  }

  get server(): string | undefined {
    return this.current.server;
  }

  /** The users of the credentials added with `addauth`. */
  get users(): string[] {
    return this.digests.map((d) => d.split(':')[0] ?? '');
  }

  /** The session's client without reconnecting (for session info and completion). */
  get client(): ZkClient {
    return this.current;
  }

  /** The client to send a command with: a new session if the last one was lost. */
  async ready(): Promise<ZkClient> {
    const state = this.current.state;
    if (state === 'connected' || state === 'suspended') return this.current;
    const old = this.current.sessionIdHex;
    this.note(`session ${old} is gone (its ephemeral nodes and watches with it); opening a new session`);
    await this.current.close();
    const next = await this.connect();
    for (const digest of this.digests) next.addDigestAuth(digest);
    this.current = next;
    this.follow(next);
    this.note(`new session ${next.sessionIdHex}`);
    this.emit('state', next.state);
    return next;
  }

  addDigest(credentials: string): void {
    this.current.addDigestAuth(credentials);
    this.digests.push(credentials);
  }

  async close(): Promise<void> {
    await this.current.close();
  }
}
