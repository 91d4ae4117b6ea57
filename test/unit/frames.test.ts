import { describe, expect, it } from 'vitest';
import { FrameSplitter } from '../../src/zk/frames.js';

const frame = (body: string): Buffer => {
  const b = Buffer.alloc(4 + body.length);
  b.writeInt32BE(body.length, 0);
  b.write(body, 4);
  return b;
};

describe('FrameSplitter', () => {
  it('hands over whole frames, in order, however the bytes are cut', () => {
    const all = Buffer.concat([frame('one'), frame(''), frame('three-three'), frame('x'.repeat(300))]);
    for (const cut of [1, 2, 3, 5, 7, 64, all.length]) {
      const splitter = new FrameSplitter();
      const out: string[] = [];
      for (let i = 0; i < all.length; i += cut) for (const f of splitter.push(all.subarray(i, i + cut))) out.push(f.subarray(4).toString());
      expect(out, `cut ${cut}`).toEqual(['one', '', 'three-three', 'x'.repeat(300)]);
    }
  });

  it('drops a partial frame on reset (a new socket), and passes a negative length through for the decoder to reject', () => {
    const splitter = new FrameSplitter();
    expect(splitter.push(frame('abcdef').subarray(0, 6))).toEqual([]);
    splitter.reset();
    expect(splitter.push(frame('ok')).map((f) => f.subarray(4).toString())).toEqual(['ok']);
    const bad = Buffer.alloc(8);
    bad.writeInt32BE(-5, 0);
    expect(splitter.push(bad)).toHaveLength(1);
  });
});
