import { describe, expect, it } from 'vitest';
import { CURATOR_SEMAPHORE, KAZOO_SEMAPHORE, resolveSemaphore, type LeasePoolView } from '../../src/recipes/contenders/lease-pool.js';
import { ConventionConflictError } from '../../src/recipes/errors.js';
import { leasePoolJson, leasePoolLines } from '../../src/output/contenders.js';

describe('resolveSemaphore (lock --limit)', () => {
  it('follows the one layout present, or the asked one, ours on an empty path', () => {
    expect(resolveSemaphore('/s', [], undefined)).toBe('sorted-slots');
    expect(resolveSemaphore('/s', ['curator-semaphore'], undefined)).toBe('curator-semaphore');
    expect(resolveSemaphore('/s', ['kazoo-semaphore'], 'kazoo-semaphore')).toBe('kazoo-semaphore');
    expect(resolveSemaphore('/s', [], 'curator-semaphore')).toBe('curator-semaphore');
  });

  it('refuses layouts that disagree among themselves or with the one asked for', () => {
    expect(() => resolveSemaphore('/s', ['curator-semaphore', 'sorted-slots'], undefined)).toThrow(ConventionConflictError);
    expect(() => resolveSemaphore('/s', ['curator-semaphore'], 'sorted-slots')).toThrow(/zk-coord --limit.*asked for, but the path holds Curator InterProcessSemaphoreV2/);
    expect(() => resolveSemaphore('/s', ['sorted-slots'], 'kazoo-semaphore')).toThrow(ConventionConflictError);
  });

  it("names the libraries' nodes: Curator's under locks/ and leases/, kazoo's beside and under the path", () => {
    expect([CURATOR_SEMAPHORE.mutexPath('/a/s'), CURATOR_SEMAPHORE.leasesPath('/a/s'), CURATOR_SEMAPHORE.leaseName('u-1')]).toEqual(['/a/s/locks', '/a/s/leases', '_c_u-1-lease-']);
    expect([KAZOO_SEMAPHORE.mutexPath('/a/s'), KAZOO_SEMAPHORE.leasesPath('/a/s'), KAZOO_SEMAPHORE.leaseName('0b6f-8a4e')]).toEqual(['/a/s-__lock__', '/a/s', '0b6f8a4e']);
  });
});

describe('lease pool status', () => {
  const view: LeasePoolView = {
    layout: CURATOR_SEMAPHORE,
    maxLeases: undefined,
    leases: [
      { name: '_c_a-lease-0000000000', state: 'holds', session: 0x10n, data: 'cu-a', token: 5n },
      { name: '_c_b-lease-0000000001', state: 'acquiring', session: 0x11n, data: 'cu-b', token: 9n },
    ],
    queue: [
      { node: { name: '_c_m-lock-0000000003', path: '/s/locks/_c_m-lock-0000000003', sequence: 3 }, convention: undefined, reader: false, holds: true, session: 0x11n, data: '10.0.0.1', token: 8n },
      { node: { name: '_c_n-lock-0000000004', path: '/s/locks/_c_n-lock-0000000004', sequence: 4 }, convention: undefined, reader: false, holds: false, session: 0x12n, data: 'zk\u001b', token: 10n },
    ],
  };

  it('prints the leases, then the mutex queue, its first holding the mutex', () => {
    expect(leasePoolLines('/s', view)).toEqual([
      '/s  (Curator InterProcessSemaphoreV2: leases under /s/leases, mutex /s/locks)',
      'holder     _c_a-lease-0000000000  session 0x10  cu-a',
      'acquiring  _c_b-lease-0000000001  session 0x11  cu-b',
      'waiting 1  _c_m-lock-0000000003  session 0x11  10.0.0.1  (holds the mutex)',
      'waiting 2  _c_n-lock-0000000004  session 0x12  zk\\e',
    ]);
  });

  it('JSON: the layout, the paths, each lease and the queue', () => {
    const json = leasePoolJson('/s', { ...view, layout: KAZOO_SEMAPHORE, maxLeases: 2 });
    expect(json).toMatchObject({ convention: 'kazoo', layout: 'kazoo-semaphore', conflict: null, maxLeases: 2, leasesPath: '/s', mutexPath: '/s-__lock__' });
    expect(json.leases).toEqual([
      { node: '_c_a-lease-0000000000', holds: true, state: 'holds', session: '0x10', data: 'cu-a', token: '5' },
      { node: '_c_b-lease-0000000001', holds: false, state: 'acquiring', session: '0x11', data: 'cu-b', token: '9' },
    ]);
    expect((json.queue as Array<{ holdsMutex: boolean }>).map((q) => q.holdsMutex)).toEqual([true, false]);
  });
});
