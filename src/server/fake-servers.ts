// Misbehaving loopback servers for the connect tests and bench/hostile.mjs (never used by the CLI itself).
import { createServer, type Server, type Socket } from 'node:net';

/**
 * Loopback TCP servers that are not ZooKeeper and misbehave in one way each, for the connect tests:
 * - `silent`: accepts and never sends a byte (a hung process, a half-open proxy);
 * - `garbage`: answers the ConnectRequest with a short frame of 0xff bytes, which the client library decodes as
 *   "session expired" (timeOut −1) — or, cut shorter, throws on;
 * - `huge-length`: answers with a 4-byte length prefix of ~2 GB and nothing after it;
 * - `close`: accepts and closes at once (a load balancer with no backend);
 * - `refuse`: a port nothing listens on (the server is stopped right after it got its port).
 */
export type Misbehaviour = 'silent' | 'garbage' | 'huge-length' | 'close' | 'refuse';

export const MISBEHAVIOURS: readonly Misbehaviour[] = ['silent', 'garbage', 'huge-length', 'close'];

export class FakeServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  /** Connections accepted so far. */
  accepted = 0;

  constructor(readonly behaviour: Misbehaviour) {}

  async start(): Promise<this> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    if (this.behaviour === 'refuse') await this.stop();
    return this;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private accept(socket: Socket): void {
    this.accepted += 1;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    switch (this.behaviour) {
      case 'close':
        socket.destroy();
        break;
      case 'garbage':
        socket.once('data', () => socket.write(Buffer.concat([Buffer.from([0, 0, 0, 12]), Buffer.alloc(12, 0xff)])));
        break;
      case 'huge-length': {
        const prefix = Buffer.alloc(4);
        prefix.writeInt32BE(0x7ffffff0);
        socket.once('data', () => socket.write(prefix));
        break;
      }
      default:
        break;
    }
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
