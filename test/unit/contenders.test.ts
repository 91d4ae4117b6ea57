import { describe, expect, it } from 'vitest';
import { predecessorOf, sortContenders } from '../../src/recipes/contenders.js';
import { heldIds, lowestFreeId } from '../../src/recipes/claim.js';

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
