import { describe, expect, it } from 'vitest';
import { CounterFormatError, CounterOverflowError, decodeCounter, encodeCounter } from '../../src/recipes/counter/format.js';
import { entryOrder, entryPrefix, parseEntryName } from '../../src/recipes/queue/layout.js';

describe('counter formats', () => {
  it('round-trips each format at its bounds; empty is 0', () => {
    for (const [format, min, max] of [
      ['text', -(2n ** 63n), 2n ** 63n - 1n],
      ['curator', -(2n ** 31n), 2n ** 31n - 1n],
      ['curator-long', -(2n ** 63n), 2n ** 63n - 1n],
    ] as const) {
      for (const v of [min, -1n, 0n, 1n, max]) expect(decodeCounter('/c', encodeCounter('/c', v, format), format)).toBe(v);
      expect(() => encodeCounter('/c', max + 1n, format)).toThrow(CounterOverflowError);
      expect(decodeCounter('/c', Buffer.alloc(0), format)).toBe(0n);
    }
    expect(encodeCounter('/c', -5n, 'curator')).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xfb]));
    expect(encodeCounter('/c', 42n, 'text').toString()).toBe('42');
  });

  it('refuses what does not parse, naming what it looks like', () => {
    const refusal = (data: Buffer, format: 'text' | 'curator' | 'curator-long'): string => {
      try {
        decodeCounter('/c', data, format);
      } catch (error) {
        expect(error).toBeInstanceOf(CounterFormatError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refusal(Buffer.from('12345'), 'curator')).toContain('looks like --format text');
    expect(refusal(Buffer.from([0, 0, 0, 0, 0, 0, 0, 9]), 'text')).toContain('--format curator-long');
    expect(refusal(Buffer.from('2.5'), 'text')).toContain('float');
    expect(refusal(Buffer.from('99999999999999999999'), 'text')).toContain('64-bit');
    expect(refusal(Buffer.from('abc'), 'curator-long')).toContain('"abc"');
  });
});

describe('queue layout', () => {
  it('names entries as kazoo LockingQueue does and orders by priority, then sequence', () => {
    expect(entryPrefix('/q', 7)).toBe('/q/entries/entry-007-');
    expect(parseEntryName('entry-100-0000000012')).toEqual({ name: 'entry-100-0000000012', priority: 100, sequence: 12 });
    expect(parseEntryName('ready')).toBeUndefined();
    expect(entryOrder(['entry-100-0000000001', 'x', 'entry-050-0000000009', 'entry-100-0000000000'])).toEqual([
      'entry-050-0000000009',
      'entry-100-0000000000',
      'entry-100-0000000001',
    ]);
  });
});
