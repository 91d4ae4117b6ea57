import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HookRunner, SupervisedChild } from '../../src/process/child.js';
import { KEEPER_SCRIPT } from '../../src/process/keeper.js';

/** The supervisor's stop paths with real processes (the Perl keeper and shell commands), no ZooKeeper needed. */
describe('SupervisedChild', () => {
  it('a stop right after the spawn, before the keeper has made its group, still reaches the command (not only the SIGKILL after the grace)', async () => {
    for (let i = 0; i < 5; i += 1) {
      const started = Date.now();
      const child = new SupervisedChild({ shell: "trap 'exit 3' TERM; sleep 30 & wait" }, { env: process.env, cleanupGraceMs: 0 });
      // At once: perl has not reached setpgid yet, so the group does not exist (ESRCH).
      const status = await child.terminate(8000);
      // 3: the trap ran; 143: the SIGTERM came before the command was started (the keeper then never starts
      // it) or before the shell set its trap. Never 137, the SIGKILL after the 8 s grace.
      expect([3, 143]).toContain(status);
      expect(Date.now() - started).toBeLessThan(6000);
    }
  });

  /** A keeper whose perl takes 1.5 s to start (PERL5OPT loads a module that sleeps before the script's first line: no handler, no group yet). */
  function slowKeeper(run: (lib: string, env: NodeJS.ProcessEnv) => Promise<void>): Promise<void> {
    const lib = mkdtempSync(join(tmpdir(), 'zk-coord-slow-perl-'));
    writeFileSync(join(lib, 'ZkCoordSlowStart.pm'), 'package ZkCoordSlowStart; select(undef, undef, undef, 1.5); 1;\n');
    return run(lib, { ...process.env, PERL5LIB: lib, PERL5OPT: '-MZkCoordSlowStart' }).finally(() => rmSync(lib, { recursive: true, force: true }));
  }

  it('a stop while perl is still starting (over a second, as on a loaded machine) ends it at once: the command never starts', () =>
    slowKeeper(async (lib, env) => {
      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        const marker = join(lib, `started-${signal}`);
        const started = Date.now();
        const child = new SupervisedChild({ shell: `touch '${marker}'; sleep 30` }, { env, cleanupGraceMs: 0 });
        // SIGKILL reaches a keeper still starting as SIGTERM (killed just after its fork it would leave the
        // command without its lifeline): 143 either way, long before the SIGKILL after the 8 s grace (137).
        const status = await child.terminate(8000, signal);
        expect(status).toBe(143);
        expect(Date.now() - started).toBeLessThan(6000);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(existsSync(marker)).toBe(false);
      }
    }));

  it('a role signal (USR1) while perl is still starting does not kill the keeper: the command starts and ends normally', () =>
    slowKeeper(async (lib, env) => {
      const marker = join(lib, 'started');
      const child = new SupervisedChild({ shell: `touch '${marker}'; exit 4` }, { env, cleanupGraceMs: 0 });
      child.signal('SIGUSR1');
      expect(await child.exited).toBe(4);
      expect(existsSync(marker)).toBe(true);
    }));
});

describe('the keeper', () => {
  it('never dies of a stop signal to its group, at any moment after the spawn: it reports the command\'s own status', async () => {
    // Signalled every 2 ms from the spawn on. Killed by it, the keeper would leave the command running without
    // its lifeline; it must exit by itself: 143 when the stop came before the command started (never started),
    // 3 when the command's trap ran.
    for (let i = 0; i < 8; i += 1) {
      const keeper = spawn('perl', ['-e', KEEPER_SCRIPT, '0', '0', '0', '/bin/sh', '-c', "trap 'exit 3' TERM; while :; do sleep 0.01; done"], {
        stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
      });
      const pid = keeper.pid!;
      const pelt = setInterval(() => {
        try {
          process.kill(-pid, 'SIGTERM');
        } catch {
          // No group yet (before the keeper's setpgid), or none any more.
        }
      }, 2);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => keeper.on('exit', (c, s) => resolve([c, s])));
      clearInterval(pelt);
      expect(signal).toBeNull();
      expect([3, 143]).toContain(code);
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

  it('a hook that cannot even be spawned (a NUL byte in its environment) fails alone; the next one runs', async () => {
    const failures: number[] = [];
    const hooks = new HookRunner('test "$ZK_COORD_EVENT" = next', process.env, (status) => failures.push(status), 0);
    hooks.run({ ZK_COORD_EVENT: 'bad', ZK_COORD_VALUE: 'a\u0000b' });
    hooks.run({ ZK_COORD_EVENT: 'next' });
    hooks.run({ ZK_COORD_EVENT: 'other' });
    await hooks.idle();
    expect(failures).toEqual([126, 1]);
    expect(await hooks.stop('SIGTERM', 1000)).toBe(0);
  });
});
