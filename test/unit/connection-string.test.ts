import { describe, expect, it } from 'vitest';
import { InvalidConnectionStringError, parseConnectionString } from '../../src/zk/index.js';

describe('parseConnectionString', () => {
  it('trims spaces around hosts (node-zookeeper-client keeps them and never resolves " b")', () => {
    const cs = parseConnectionString(' a:1, b:2 ,c ');
    expect(cs.servers).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
      { host: 'c', port: 2181 },
    ]);
    expect(cs.normalised).toBe('a:1,b:2,c:2181');
    expect(cs.chroot).toBeUndefined();
  });

  it('keeps a chroot and drops a trailing slash or a bare /', () => {
    expect(parseConnectionString('127.0.0.1:2181/app/').chroot).toBe('/app');
    expect(parseConnectionString('127.0.0.1:2181/app/x').normalised).toBe('127.0.0.1:2181/app/x');
    expect(parseConnectionString('127.0.0.1:2181/').chroot).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['a:1,,b:2', /empty host/],
    ['a:0', /invalid port/],
    ['a:70000', /invalid port/],
    ['a:x', /invalid port/],
    ['[::1]:2181', /IPv6/],
    ['::1', /IPv6/],
    ['bad_host:1', /invalid host/],
    ['a:1/x//y', /invalid chroot/],
  ])('rejects %j with one clear line', (input, message) => {
    expect(() => parseConnectionString(input)).toThrow(InvalidConnectionStringError);
    expect(() => parseConnectionString(input)).toThrow(message);
  });
});
