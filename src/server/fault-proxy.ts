import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy between a client and one ZooKeeper server, for fault tests and the soak benchmark
 * (bench/soak.mjs imports it from dist/, the tests from here). Expiry is tested by cutting the client off
 * here while the server keeps running (a restarted server restores its sessions instead).
 * - `pass`: forwards both ways.
 * - `refuse`: resets every open connection and every new one (server unreachable).
 * - `blackhole`: connections stay open, no byte crosses either way (a silent partition); held bytes are
 *   dropped, new connections are accepted and left silent.
 * - `dropAfterRequest(op)`: forwards normally until a client request of that opcode has been forwarded,
 *   then cuts the connection before the reply can come back.
 * - `holdRequest(op)`: holds the next client request of that opcode (and everything after it on that
 *   connection) until released: a test can act between a client's reads and its write.
 */
export type ProxyMode = 'pass' | 'refuse' | 'blackhole';

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
}

export class FaultProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  private mode: ProxyMode = 'pass';
  private dropOnOp: { op: number; remaining: number } | undefined;
  private holdOnOp: { op: number; onHeld: () => void; released: Promise<void> } | undefined;
  /** How many times a connection was cut after a matching request. */
  drops = 0;
  /** Client requests forwarded, by opcode, once `countRequests()` was called. */
  readonly requests = new Map<number, number>();
  private counting = false;
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  /** Client connections open through the proxy now. */
  get connections(): number {
    return this.pairs.size;
  }

  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'refuse') {
      for (const pair of this.pairs) this.cut(pair);
    }
  }

  /** Cut the connection right after the next `count` client requests with this opcode (1 = create). */
  dropAfterRequest(op: number, count = 1): void {
    this.dropOnOp = { op, remaining: count };
  }

  /**
   * Holds the next client request with this opcode (14 = multi) before it reaches the server. `held`
   * resolves once it is held; `release()` forwards it and what followed it.
   */
  holdRequest(op: number): { held: Promise<void>; release: () => void } {
    let onHeld: () => void = () => {};
    const held = new Promise<void>((resolve) => (onHeld = resolve));
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holdOnOp = { op, onHeld, released };
    return { held, release };
  }

  /** From now on, count the client's requests by opcode (in `requests`): proof that a request went on the wire. */
  countRequests(): void {
    this.counting = true;
  }

  private cut(pair: Pair): void {
    pair.client.resetAndDestroy();
    pair.upstream?.destroy();
    this.pairs.delete(pair);
  }

  private accept(client: Socket): void {
    client.on('error', () => {});
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: undefined };
    this.pairs.add(pair);
    const upstream = connect(this.targetPort, this.targetHost);
    pair.upstream = upstream;
    upstream.on('error', () => {});
    let pending = Buffer.alloc(0);
    let handshakeSeen = false;
    let holding: Buffer[] | undefined;
    client.on('data', (chunk: Buffer) => {
      if (this.mode !== 'pass') return;
      if (holding) {
        holding.push(chunk);
        return;
      }
      if (!this.dropOnOp && !this.holdOnOp && !this.counting) {
        // The connect request went by (walking starts between requests, at a frame boundary).
        handshakeSeen = true;
        upstream.write(chunk);
        return;
      }
      // Walk whole frames: 4-byte length, then xid and opcode (the connect request has neither).
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (pending.length < size + 4) break;
        const frame = pending.subarray(0, size + 4);
        pending = pending.subarray(size + 4);
        // The first frame is the ConnectRequest, which has no opcode.
        const op = handshakeSeen && size >= 8 ? frame.readInt32BE(8) : undefined;
        handshakeSeen = true;
        if (op !== undefined && this.counting) this.requests.set(op, (this.requests.get(op) ?? 0) + 1);
        const hold = this.holdOnOp;
        if (hold && op === hold.op) {
          this.holdOnOp = undefined;
          const queued: Buffer[] = [frame, pending];
          holding = queued;
          pending = Buffer.alloc(0);
          hold.onHeld();
          void hold.released.then(() => {
            holding = undefined;
            for (const b of queued) upstream.write(b);
          });
          return;
        }
        upstream.write(frame);
        if (this.dropOnOp && op === this.dropOnOp.op) {
          this.dropOnOp.remaining -= 1;
          if (this.dropOnOp.remaining <= 0) this.dropOnOp = undefined;
          this.drops += 1;
          // Let the request reach the server, then cut before its reply gets back to the client.
          client.pause();
          setTimeout(() => this.cut(pair), 5);
          return;
        }
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.mode === 'pass' && !client.isPaused()) client.write(chunk);
    });
    const close = (): void => {
      if (this.pairs.delete(pair)) {
        client.destroy();
        upstream.destroy();
      }
    };
    client.on('close', close);
    upstream.on('close', close);
  }

  async stop(): Promise<void> {
    for (const pair of this.pairs) this.cut(pair);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A TCP server that accepts connections and never answers: the "silent host" of the connect tests. */
export async function silentHost(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
