import { describe, expect, it } from 'vitest';
import { isReader, predecessorOf, sortContenders, turnOf } from '../../src/recipes/contenders/contenders.js';
import { heldIds, lowestFreeId } from '../../src/recipes/claim/claim.js';

describe('sortContenders', () => {
  it('orders by the 10-digit suffix whatever the prefix, so zkCli-made candidates interleave (seed 002)', () => {
    const sorted = sortContenders('/election', [
      'candidate-2f1a-0000000003',
      'candidate0000000001',
      'lock-aaaa-0000000002',
      'candidate-ffff-0000000000',
      'not-a-contender',
    ]);
    expect(sorted.map((n) => n.sequence)).toEqual([0, 1, 2, 3]);
    expect(sorted[1]).toEqual({ name: 'candidate0000000001', path: '/election/candidate0000000001', sequence: 1 });
  });

  it('each contender waits for its immediate predecessor only when there is one slot', () => {
    const sorted = sortContenders('/e', ['c-0000000005', 'c-0000000007', 'c-0000000009']);
    expect(predecessorOf(sorted, 0, 1)).toBeUndefined();
    expect(predecessorOf(sorted, 2, 1)?.name).toBe('c-0000000007');
    expect(predecessorOf(sorted, 2, 2)).toBeUndefined();
  });
});

describe('read/write turns', () => {
  const sorted = sortContenders('/rw', ['read-a-0000000001', 'read-b-0000000002', 'lock-c-0000000003', 'read-d-0000000004', 'read-e-0000000005']);
  it('readers before any writer hold together; a writer waits for its predecessor only', () => {
    expect(turnOf(sorted, 0, 1, true)).toEqual({ holds: true });
    expect(turnOf(sorted, 1, 1, true)).toEqual({ holds: true });
    expect(turnOf(sorted, 2, 1, false)).toEqual({ holds: false, waitFor: sorted[1] });
  });
  it('a reader after a waiting writer waits for that writer (no writer starvation), and watches only it', () => {
    expect(turnOf(sorted, 3, 1, true)).toEqual({ holds: false, waitFor: sorted[2] });
    expect(turnOf(sorted, 4, 1, true)).toEqual({ holds: false, waitFor: sorted[2] });
  });
  it('knows the readers of kazoo and Curator by their names', () => {
    expect(isReader('2f1a__rlock__0000000001')).toBe(true);
    expect(isReader('_c_2f1a-__READ__0000000001')).toBe(true);
    expect(isReader('2f1a__lock__0000000001')).toBe(false);
    expect(isReader('_c_2f1a-__WRIT__0000000001')).toBe(false);
    expect(isReader('lock-2f1a-0000000001')).toBe(false);
  });
});

describe('lowest free ID', () => {
  it('filters numeric names and sorts numerically (the seed never sorted and could not find 1 when 2 was taken)', () => {
    const held = heldIds(['2', '3', '10', 'lock', '0', '01', '-1']);
    expect([...held].sort((a, b) => a - b)).toEqual([2, 3, 10]);
    expect(lowestFreeId(held)).toBe(1);
    expect(lowestFreeId(new Set([1, 2, 3]))).toBe(4);
    expect(lowestFreeId(new Set([1, 3]))).toBe(2);
  });

  it('respects the pool bound', () => {
    expect(lowestFreeId(new Set([1, 2]), 2)).toBeUndefined();
    expect(lowestFreeId(new Set([2]), 2)).toBe(1);
  });
});
