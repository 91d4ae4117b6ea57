import { describe, expect, it } from 'vitest';
import { ServerHeardClock } from '../../src/zk/heard-clock.js';

/** A reply frame: length prefix, then xid (and a zxid and error code, as ReplyHeader has). */
function reply(xid: number): Buffer {
  const frame = Buffer.alloc(4 + 16);
  frame.writeInt32BE(16, 0);
  frame.writeInt32BE(xid, 4);
  return frame;
}

/** The ConnectResponse: protocol version 0 where a reply has its xid. */
const connectResponse = (): Buffer => {
  const frame = Buffer.alloc(4 + 36);
  frame.writeInt32BE(36, 0);
  return frame;
};

describe('ServerHeardClock', () => {
  it('counts from the send time of the request a reply answers, not from the reply', () => {
    const clock = new ServerHeardClock();
    clock.sent(1000); // ConnectRequest
    clock.sent(1100); // a ping
    expect(clock.heardUsAt).toBe(0);
    expect(clock.received(connectResponse())).toBe(true);
    expect(clock.heardUsAt).toBe(1000);
    expect(clock.received(reply(-2))).toBe(true);
    expect(clock.heardUsAt).toBe(1100);
    expect(clock.inFlight).toBe(0);
  });

  it('watch notifications prove nothing and answer no request', () => {
    const clock = new ServerHeardClock();
    clock.sent(1000);
    expect(clock.received(reply(-1))).toBe(false);
    expect(clock.heardUsAt).toBe(0);
    expect(clock.inFlight).toBe(1);
    expect(clock.received(reply(5))).toBe(true);
    expect(clock.heardUsAt).toBe(1000);
  });

  it('a new socket forgets what was in flight on the old one; what was proved stays', () => {
    const clock = new ServerHeardClock();
    clock.sent(1000);
    clock.received(connectResponse());
    clock.sent(2000);
    clock.reset();
    clock.sent(3000);
    clock.received(connectResponse());
    expect(clock.heardUsAt).toBe(3000);
    clock.reset();
    expect(clock.received(reply(1))).toBe(false);
    expect(clock.heardUsAt).toBe(3000);
  });

  it('pairs thousands of replies with their requests in order', () => {
    const clock = new ServerHeardClock();
    for (let i = 1; i <= 5000; i += 1) clock.sent(i);
    for (let i = 1; i <= 5000; i += 1) {
      clock.received(reply(i));
      expect(clock.heardUsAt).toBe(i);
    }
    expect(clock.inFlight).toBe(0);
  });

  it('an auth reply keeps the pairing in step but proves nothing; an unproving frame neither', () => {
    const clock = new ServerHeardClock();
    const auth = Buffer.alloc(8);
    auth.writeInt32BE(4, 0);
    auth.writeInt32BE(-4, 4);
    clock.sent(1000, auth);
    clock.sent(1100);
    expect(clock.lastSentAt).toBe(1100);
    expect(clock.received(reply(-4))).toBe(false);
    expect(clock.heardUsAt).toBe(0);
    expect(clock.received(reply(3), false)).toBe(false);
    expect(clock.heardUsAt).toBe(0);
    expect(clock.inFlight).toBe(0);
  });
});
