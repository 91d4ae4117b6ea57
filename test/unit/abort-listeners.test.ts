import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { raceAbort, whenAborted } from '../../src/process/signals.js';

describe('retry loops leave no abort listener behind', () => {
  it('500 turns of raceAbort on one process-long signal: no listener left, no warning', async () => {
    const controller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 500; i += 1) await raceAbort(Promise.resolve(i), controller.signal);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      const aborted = whenAborted(controller.signal);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      aborted.dispose();
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      // And it still wakes on the abort itself.
      const pending = raceAbort(new Promise(() => {}), controller.signal);
      controller.abort('SIGTERM');
      expect(await pending).toBeUndefined();
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
