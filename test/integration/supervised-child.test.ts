import { describe, expect, it } from 'vitest';
import { HookRunner, SupervisedChild } from '../../src/process/child.js';

/** The supervisor's stop paths with real processes (the Perl keeper and shell commands), no ZooKeeper needed. */
describe('SupervisedChild', () => {
  it('a stop right after the spawn, before the keeper has made its group, still reaches the command (not only the SIGKILL after the grace)', async () => {
    for (let i = 0; i < 5; i += 1) {
      const started = Date.now();
      const child = new SupervisedChild({ shell: "trap 'exit 3' TERM; sleep 30 & wait" }, { env: process.env, cleanupGraceMs: 0 });
      // At once: perl has not reached setpgid yet, so the group does not exist (ESRCH).
      const status = await child.terminate(8000);
      // 3: the trap ran; 143: the SIGTERM came before the shell set its trap. Never 137 after the 8 s grace.
      expect([3, 143]).toContain(status);
      expect(Date.now() - started).toBeLessThan(6000);
    }
  });
});

describe('HookRunner (config watch --exec)', () => {
  it('stop: the running hook gets the signal, hooks not started yet never run, and says how many were dropped', async () => {
    const failures: number[] = [];
    const hooks = new HookRunner("trap 'exit 9' INT; sleep 30 & wait", process.env, (status) => failures.push(status), 0);
    hooks.run({ ZK_COORD_EVENT: 'first' });
    hooks.run({ ZK_COORD_EVENT: 'second' });
    hooks.run({ ZK_COORD_EVENT: 'third' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    expect(await hooks.stop('SIGINT', 8000)).toBe(2);
    expect(Date.now() - started).toBeLessThan(6000);
    // A hook stopped by us is no failure to report.
    expect(failures).toEqual([]);
  });
});
