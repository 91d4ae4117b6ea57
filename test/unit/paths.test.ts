import { describe, expect, it } from 'vitest';
import { baseName, joinPath, parentOf, validatePath } from '../../src/zk/index.js';

describe('paths', () => {
  it.each(['/', '/a', '/a/b-c_d.e', '/sequence/12', '/ünïcode'])('accepts %j', (p) => expect(validatePath(p)).toBeUndefined());
  it.each([
    ['', 'empty'],
    ['a', 'start with /'],
    ['/a/', 'end with /'],
    ['/a//b', 'empty segment'],
    ['/a/./b', 'relative'],
    ['/a/..', 'relative'],
    ['/a\u0000b', 'null'],
    ['/a\u001bb', 'control'],
  ])('rejects %j (%s)', (p, why) => expect(validatePath(p)).toContain(why));

  it('joins, splits', () => {
    expect(joinPath('/', 'a')).toBe('/a');
    expect(joinPath('/a', 'b')).toBe('/a/b');
    expect(parentOf('/a/b')).toBe('/a');
    expect(parentOf('/a')).toBe('/');
    expect(baseName('/a/b')).toBe('b');
  });
});
