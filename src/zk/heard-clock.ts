/**
 * The latest moment the server provably heard from us: the send time of the newest request it has answered.
 *
 * ZooKeeper expires a session a timeout after the last packet it *received* from the client (rounded up to its
 * tick), so the safe lower bound of that moment is when we *sent* a packet it answered, not when the answer
 * reached us. Counting from the answer's arrival overstates it by the round trip plus however long the bytes
 * waited for us: a zk-coord paused (SIGSTOP) or starved while a reply sat in its socket would read that old
 * reply on resuming and believe the server had just heard it. Watch notifications (xid -1) prove nothing:
 * the server sends them whether or not our packets reach it (an asymmetric partition).
 *
 * A session answers its requests in the order they were sent (ZooKeeper's ordering guarantee per client,
 * pings and SetWatches included), so a FIFO of send times pairs each reply with its request; even were two
 * replies swapped, k replies still prove k packets received, one of them sent no earlier than the k-th send
 * time. The ConnectRequest is the first packet of every socket and the ConnectResponse (no xid) its answer.
 * An auth packet (xid -4) is answered by the server inline, without touching the session: its reply keeps
 * the FIFO in step but proves nothing.
 */
export class ServerHeardClock {
  /** Send times of requests awaiting their reply, oldest first; negative: a packet whose reply proves nothing. */
  private sendTimes: number[] = [];
  private head = 0;
  private heard = 0;
  private lastSent = 0;

  /** Epoch ms of the last packet written: the server may have been touched as late as this. */
  get lastSentAt(): number {
    return this.lastSent;
  }

  /** Epoch ms: the server had heard from us by then at the latest known moment (0: never). */
  get heardUsAt(): number {
    return this.heard;
  }

  /** A new socket: requests in flight on the old one will never be answered. */
  reset(): void {
    this.sendTimes = [];
    this.head = 0;
  }

  /** One packet written to the socket (each write of the library is one whole packet, length prefix first). */
  sent(at: number, packet?: Uint8Array): void {
    this.lastSent = at;
    const auth = packet !== undefined && packet.length >= 8 && Buffer.from(packet.buffer, packet.byteOffset, packet.length).readInt32BE(4) === AUTH_XID;
    this.sendTimes.push(auth ? -at : at);
  }

  /**
   * One whole frame received (length prefix included), already decoded. `proves` false: it answers a request
   * but says nothing of the session (an "expired" ConnectResponse). Returns true when it proved the server
   * heard us later than before.
   */
  received(frame: Buffer, proves = true): boolean {
    if (frame.length >= 8 && frame.readInt32BE(4) === NOTIFICATION_XID) return false;
    if (this.head >= this.sendTimes.length) return false;
    const sentAt = this.sendTimes[this.head] as number;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.sendTimes.length) {
      this.sendTimes = this.sendTimes.slice(this.head);
      this.head = 0;
    }
    if (!proves || sentAt <= this.heard) return false;
    this.heard = sentAt;
    return true;
  }

  /** Requests sent on this socket and not answered yet. */
  get inFlight(): number {
    return this.sendTimes.length - this.head;
  }
}

/** The xids of a watch notification and of an auth packet (ZooKeeper's ClientCnxn NOTIFICATION_XID, AUTHPACKET_XID). */
const NOTIFICATION_XID = -1;
const AUTH_XID = -4;
