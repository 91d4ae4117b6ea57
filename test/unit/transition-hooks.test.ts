import { describe, expect, it } from 'vitest';
import { TransitionHooks, type HookProcess, type HookResult } from '../../src/hold/hooks.js';
import type { SuperviseOptions } from '../../src/process/child.js';

/**
 * A fake hook process: `hangs` never ends by itself (only terminate ends it, with 137), otherwise it ends with
 * `status` after `ms`. Logs starts and ends, and keeps the options each was started with.
 */
function fakeHooks(behaviour: Record<string, { hangs?: boolean; ms?: number; status?: number; throws?: boolean }>) {
  const log: string[] = [];
  const started: { name: string; options: SuperviseOptions; at: number; renewals: number[] }[] = [];
  const supervise = (command: { shell: string } | { argv: string[] }, options: SuperviseOptions): HookProcess => {
    const name = 'shell' in command ? command.shell : '';
    const how = behaviour[name] ?? {};
    if (how.throws) throw new Error('spawn E2BIG');
    const entry = { name, options, at: Date.now(), renewals: [] as number[] };
    started.push(entry);
    log.push(`start ${name} ${options.env.ZK_COORD_SEQUENCE}`);
    let finish: (status: number) => void = () => {};
    const exited = new Promise<number>((resolve) => (finish = resolve));
    if (!how.hangs) setTimeout(() => finish(how.status ?? 0), how.ms ?? 5);
    return {
      exited: exited.then((s) => (log.push(`end ${name}`), s)),
      terminate: async () => (finish(137), exited),
      renew: (until) => entry.renewals.push(until),
    };
  };
  return { log, started, supervise };
}

describe('transition hooks', () => {
  it('run one at a time in order; one past its timeout is killed and the next runs', async () => {
    const log: string[] = [];
    const hooks = new TransitionHooks({
      onElected: 'elected',
      onDemoted: 'demoted',
      timeoutMs: 50,
      env: {},
      supervise: (command, options): HookProcess => {
        const name = 'shell' in command ? command.shell : '';
        log.push(`start ${name} ${options.env.ZK_COORD_SEQUENCE}`);
        let finish: (status: number) => void = () => {};
        const exited = new Promise<number>((resolve) => (finish = resolve));
        // "elected" hangs (killed at the timeout); "demoted" ends at once.
        if (name === 'demoted') setTimeout(() => finish(0), 5);
        return {
          exited: exited.then((s) => (log.push(`end ${name}`), s)),
          terminate: async () => (finish(137), exited),
        };
      },
    });
    void hooks.transition('leader', 'follower', 1);
    await hooks.transition('follower', 'leader', 2);
    expect(log).toEqual(['start elected 1', 'end elected', 'start demoted 2', 'end demoted']);
  });

  it('a demotion deadline binds the hook already running: --on-elected killed at it, --on-demoted not run once it has passed', async () => {
    const fake = fakeHooks({ elected: { hangs: true } });
    const results: HookResult[] = [];
    const hooks = new TransitionHooks({ onElected: 'elected', onDemoted: 'demoted', timeoutMs: 10_000, env: {}, supervise: fake.supervise, onResult: (r) => results.push(r) });
    const started = Date.now();
    void hooks.transition('leader', 'follower', 1);
    const deadline = Date.now() + 100;
    await hooks.transition('follower', 'leader', 2, deadline);
    // Not the 10 s of --hook-timeout: the deadline.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(Date.now()).toBeGreaterThanOrEqual(deadline);
    expect(results).toEqual([
      { hook: 'on-elected', status: 137, ended: 'deadline', sequence: 1 },
      { hook: 'on-demoted', status: undefined, ended: 'not-run', sequence: 2 },
    ]);
    expect(fake.log).toEqual(['start elected 1', 'end elected']);
    // The keeper's own deadline was moved to the demotion's too (its backstop, 250 ms after ours).
    expect(fake.started[0]!.renewals.at(-1)).toBe(deadline + 250);
  });

  it('with time left before the deadline, --on-demoted runs, bounded by it; every hook without stdin and with a keeper deadline', async () => {
    const fake = fakeHooks({ elected: { ms: 20 }, demoted: { ms: 20 } });
    const results: HookResult[] = [];
    const hooks = new TransitionHooks({ onElected: 'elected', onDemoted: 'demoted', timeoutMs: 10_000, env: {}, supervise: fake.supervise, onResult: (r) => results.push(r) });
    void hooks.transition('leader', 'follower', 1);
    const deadline = Date.now() + 3000;
    await hooks.transition('follower', 'leader', 2, deadline);
    expect(fake.log).toEqual(['start elected 1', 'end elected', 'start demoted 2', 'end demoted']);
    expect(results).toEqual([]);
    const [elected, demoted] = fake.started;
    expect(elected!.options.hook).toBe(true);
    expect(demoted!.options.hook).toBe(true);
    // Both were queued by the time the first started, so both are bound by the deadline (plus the backstop).
    expect(elected!.options.deadlineAt).toBe(deadline + 250);
    expect(demoted!.options.deadlineAt).toBe(deadline + 250);
    // A hook with no deadline queued after it: its own timeout, from its start, plus the backstop.
    void hooks.transition('leader', 'follower', 3);
    await hooks.idle();
    const later = fake.started[2]!;
    // (counted from just before the spawn, so at most a few ms before the fake saw it)
    expect(later.options.deadlineAt).toBeLessThanOrEqual(later.at + 10_000 + 250);
    expect(later.options.deadlineAt).toBeGreaterThan(later.at + 10_000 + 250 - 50);
  });

  it('a hook that cannot be spawned fails alone (126), the next one still runs', async () => {
    const fake = fakeHooks({ elected: { throws: true } });
    const results: HookResult[] = [];
    const hooks = new TransitionHooks({ onElected: 'elected', onDemoted: 'demoted', timeoutMs: 1000, env: {}, supervise: fake.supervise, onResult: (r) => results.push(r) });
    const first = hooks.transition('leader', 'follower', 1);
    await hooks.transition('follower', 'leader', 2);
    await expect(first).resolves.toBeUndefined();
    expect(results).toEqual([{ hook: 'on-elected', status: 126, ended: 'spawn-failed', sequence: 1 }]);
    expect(fake.log).toEqual(['start demoted 2', 'end demoted']);
  });
});
