import { describe, expect, it } from 'vitest';

describe('the typed library', () => {
  it('has no side effects on import: no signal handlers, no output, no timers keeping the process', async () => {
    const sigint = process.listenerCount('SIGINT');
    const sigterm = process.listenerCount('SIGTERM');
    const lib = await import('../../src/index.js');
    expect(process.listenerCount('SIGINT')).toBe(sigint);
    expect(process.listenerCount('SIGTERM')).toBe(sigterm);
    expect(typeof lib.ZkClient.connect).toBe('function');
    expect(typeof lib.claimLowestFreeId).toBe('function');
    expect(typeof lib.SequentialContender).toBe('function');
    expect(typeof lib.DataWatch).toBe('function');
  });
});
