import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from 'commander';
import { MAX_DURATION_MS, formatDuration, parseMs, parsePositiveInt, parseSeconds, parseTickTime, parseZnodeVersion, parsePort } from '../../src/cli/options.js';

describe('duration options', () => {
  it('take units, and a bare number in the option\'s historical unit', () => {
    expect(parseSeconds('5')).toBe(5000);
    expect(parseSeconds('0.5')).toBe(500);
    expect(parseSeconds('500ms')).toBe(500);
    expect(parseSeconds('5s')).toBe(5000);
    expect(parseSeconds('2m')).toBe(120_000);
    expect(parseSeconds('1h')).toBe(3_600_000);
    expect(parseMs('4000')).toBe(4000);
    expect(parseMs('4s')).toBe(4000);
  });

  it('refuse garbage and values past what a timer can hold', () => {
    for (const bad of ['', 'x', '5x', '-1', '1e3', '5 s', '25d', String(2 ** 31), '99999999999']) {
      expect(() => parseSeconds(bad), bad).toThrow(InvalidArgumentError);
    }
    expect(() => parseMs('0')).toThrow(/from 1ms/);
    expect(parseMs(String(MAX_DURATION_MS))).toBe(MAX_DURATION_MS);
    expect(() => parseMs(String(MAX_DURATION_MS + 1))).toThrow(/24d/);
  });

  it('print back in the same vocabulary', () => {
    expect(formatDuration(5000)).toBe('5s');
    expect(formatDuration(500)).toBe('500ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(0)).toBe('0s');
    for (const ms of [1, 250, 1500, 5000, 60_000, 3_600_000]) expect(parseSeconds(formatDuration(ms))).toBe(ms);
  });
});

describe('integer options', () => {
  it('are exact or refused', () => {
    expect(parsePositiveInt('9007199254740991')).toBe(9007199254740991);
    expect(() => parsePositiveInt('9007199254740993')).toThrow(InvalidArgumentError);
    expect(() => parsePositiveInt('0')).toThrow(InvalidArgumentError);
    expect(parseZnodeVersion('2147483647')).toBe(2147483647);
    expect(() => parseZnodeVersion('2147483648')).toThrow(/0 to 2147483647/);
    expect(() => parsePort('65536')).toThrow(/1 to 65535/);
  });
});

describe('parseTickTime', () => {
  it('takes a duration like every other option, bare in milliseconds, from 1ms to 1h', () => {
    expect(parseTickTime('500')).toBe(500);
    expect(parseTickTime('500ms')).toBe(500);
    expect(parseTickTime('2s')).toBe(2000);
    expect(parseTickTime('1h')).toBe(3_600_000);
    expect(() => parseTickTime('61m')).toThrow(/from 1ms to 1h/);
    expect(() => parseTickTime('0')).toThrow(/from 1ms to 1h/);
    expect(() => parseTickTime('99999999999')).toThrow(/from 1ms to 1h/);
    expect(() => parseTickTime('fast')).toThrow(/expected a duration such as 500ms/);
  });
});
