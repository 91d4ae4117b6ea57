/**
 * Requests node-zookeeper-client 1.1.3 has no method for (sync.ts, container.ts) go through its own framing
 * and queue with a header of ours: it writes the real opcode on the wire, but tells the reply decoder
 * (ConnectionManager.onSocketData, which switches on `header.type` and drops the socket for any opcode it does
 * not know) which known reply to decode instead. The library frames replies by their length, so any bytes of
 * the real reply past what that decoder reads are skipped.
 */
import { loadJute, type LibCallback, type LibClient } from './library.js';

/** The part of jute/index.js these requests use: the Request frame and the generated records we fill. */
export interface Jute {
  Request: new (header: unknown, payload: unknown) => unknown;
  protocol: {
    GetACLRequest: new () => { path: string };
    CreateRequest: new () => { path: string; data: Buffer; acl: unknown[]; flags: number };
  };
}

export const jute = (): Jute => loadJute() as unknown as Jute;

/** OpCode values of the ZooKeeper protocol (ZooDefs.OpCode). */
export const OpCode = { CREATE: 1, DELETE: 2, SYNC: 9, CREATE_CONTAINER: 19 } as const;

/** A RequestHeader record (xid, type): `wire` is sent, `decodeAs` is what the library reads for the reply. */
class RawRequestHeader {
  xid = 0;

  constructor(
    private readonly wire: number,
    /** Read by the library to number the request (anything but PING/AUTH) and to pick the reply decoder. */
    readonly type: number,
  ) {}

  byteLength(): number {
    return 8;
  }

  serialize(buffer: Buffer, offset: number): number {
    buffer.writeInt32BE(this.xid, offset);
    buffer.writeInt32BE(this.wire, offset + 4);
    return 8;
  }
}

/** Queues a request; `callback` gets (error) or (null, the decoded payload). Chroot is applied to the payload. */
export function queueRaw(lib: LibClient, wire: number, decodeAs: number, payload: unknown, callback: LibCallback): void {
  lib.connectionManager.queue(new (jute().Request)(new RawRequestHeader(wire, decodeAs), payload), (error, response) =>
    error ? callback(error) : callback(null, (response as { payload?: unknown } | undefined)?.payload),
  );
}
