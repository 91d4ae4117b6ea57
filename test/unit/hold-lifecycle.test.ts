import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runHold, type Hold, type HoldEvent, type Release, type Supervised } from '../../src/hold/index.js';
import { StoppedError } from '../../src/recipes/errors.js';
import type { ConnectionState } from '../../src/zk/index.js';
import type { SuperviseOptions } from '../../src/process/child.js';

/** A session as the margin sees it, driven by the test. */
class FakeSession extends EventEmitter {
  state: ConnectionState = 'connected';
  lastHeardAt = Date.now();
  heardUsAt = Date.now();
  sessionTimeoutMs = 800;
  suspend(): void {
    this.state = 'suspended';
    this.emit('state', { state: 'suspended', previous: 'connected' });
  }
  reconnect(): void {
    this.state = 'connected';
    this.lastHeardAt = Date.now();
    this.heardUsAt = this.lastHeardAt;
    this.emit('state', { state: 'connected', previous: 'suspended' });
  }
}

function fakeHold(): { hold: Hold<string>; releases: () => number; lose: (error: Error) => void } {
  let releases = 0;
  let lose: (error: Error) => void = () => {};
  const lost = new Promise<Error>((resolve) => (lose = resolve));
  const release: Release = { confirmed: true, how: 'deleted' };
  const hold: Hold<string> = {
    detail: 'd',
    what: 'ID 1',
    path: '/ids/1',
    token: 7n,
    client: undefined as never,
    lost,
    release: async () => {
      releases += 1;
      return release;
    },
  };
  return { hold, releases: () => releases, lose };
}

class FakeChild implements Supervised {
  readonly pid = 4242;
  readonly exited: Promise<number>;
  terminated: { graceMs: number; signal: NodeJS.Signals | undefined } | undefined;
  renewals = 0;
  renewedUntil: Array<number | undefined> = [];
  private finish: (status: number) => void = () => {};
  constructor(
    readonly options: SuperviseOptions,
    private readonly statusOnSignal: number,
  ) {
    this.exited = new Promise((resolve) => (this.finish = resolve));
  }
  exit(status: number): void {
    this.finish(status);
  }
  renew(until?: number): void {
    this.renewals += 1;
    this.renewedUntil.push(until);
  }
  terminate(graceMs: number, signal?: NodeJS.Signals): Promise<number> {
    this.terminated = { graceMs, signal };
    this.finish(this.statusOnSignal);
    return this.exited;
  }
}

function setup(options: { statusOnSignal?: number; suspendGraceMs?: number } = {}) {
  const session = new FakeSession();
  const controller = new AbortController();
  const { hold, releases, lose } = fakeHold();
  const events: HoldEvent<string>['type'][] = [];
  const children: FakeChild[] = [];
  const base = {
    session,
    signal: controller.signal,
    policy: { termGraceMs: 5000, suspendGraceMs: options.suspendGraceMs },
    onEvent: (event: HoldEvent<string>) => events.push(event.type),
  };
  const command = {
    command: { argv: ['worker'] },
    env: () => ({}),
    supervise: (_c: unknown, o: SuperviseOptions) => {
      const child = new FakeChild(o, options.statusOnSignal ?? 143);
      children.push(child);
      return child;
    },
  };
  return { session, controller, hold, releases, lose, events, children, base, command };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('runHold: a stop at each stage', () => {
  it('while connecting or waiting (acquire rejects): interrupted, nothing released, nothing run', async () => {
    const t = setup();
    const outcome = runHold({
      ...t.base,
      command: t.command,
      acquire: (signal) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new StoppedError(signal.reason)))),
    });
    t.controller.abort('SIGTERM');
    expect(await outcome).toEqual({ kind: 'interrupted', signal: 'SIGTERM' });
    expect(t.releases()).toBe(0);
    expect(t.events).toEqual([]);
    expect(t.children).toHaveLength(0);
  });

  it('already stopped before it starts: interrupted at once', async () => {
    const t = setup();
    t.controller.abort('SIGINT');
    let asked = false;
    const outcome = await runHold({ ...t.base, acquire: async () => ((asked = true), t.hold) });
    expect(outcome).toEqual({ kind: 'interrupted', signal: 'SIGINT' });
    expect(asked).toBe(false);
  });

  it('while acquiring, the turn coming with the stop: nothing announced, nothing spawned, released once', async () => {
    const t = setup();
    const outcome = await runHold({
      ...t.base,
      command: t.command,
      acquire: async () => {
        t.controller.abort('SIGINT');
        return t.hold;
      },
    });
    expect(outcome.kind).toBe('interrupted');
    expect(outcome).toMatchObject({ signal: 'SIGINT', release: { confirmed: true } });
    expect(t.events).toEqual(['released']);
    expect(t.children).toHaveLength(0);
    expect(t.releases()).toBe(1);
    // Nothing was announced as held.
    expect(t.events).toEqual(['released']);
  });

  it('while spawning: the command gets the signal received, its status is the outcome, released once', async () => {
    const t = setup({ statusOnSignal: 130 });
    const outcome = await runHold({
      ...t.base,
      command: {
        ...t.command,
        supervise: (c, o) => {
          t.controller.abort('SIGINT');
          return t.command.supervise(c, o);
        },
      },
      acquire: async () => t.hold,
    });
    expect(outcome).toMatchObject({ kind: 'stopped', signal: 'SIGINT', commandStatus: 130 });
    expect(t.children[0]!.terminated).toEqual({ graceMs: 5000, signal: 'SIGINT' });
    expect(t.releases()).toBe(1);
  });

  it('while holding without a command: stopped, acquired first, released once', async () => {
    const t = setup();
    const outcome = runHold({ ...t.base, acquire: async () => t.hold });
    await tick();
    expect(t.events).toEqual(['acquired']);
    t.controller.abort('SIGTERM');
    expect(await outcome).toEqual({ kind: 'stopped', signal: 'SIGTERM', release: { confirmed: true, how: 'deleted' } });
    expect(t.events).toEqual(['acquired', 'released']);
    expect(t.releases()).toBe(1);
  });

  it('while holding with a command that traps the signal and exits 7: the status is 7', async () => {
    const t = setup({ statusOnSignal: 7 });
    const outcome = runHold({ ...t.base, command: t.command, acquire: async () => t.hold });
    await tick();
    expect(t.events).toEqual(['acquired', 'spawned']);
    t.controller.abort('SIGTERM');
    expect(await outcome).toMatchObject({ kind: 'stopped', commandStatus: 7 });
    expect(t.events).toEqual(['acquired', 'spawned', 'stopping', 'released']);
    expect(t.releases()).toBe(1);
  });
});

describe('runHold: outcomes', () => {
  it('the command ends by itself with 5: command-exited 5, released once', async () => {
    const t = setup();
    const outcome = runHold({ ...t.base, command: t.command, acquire: async () => t.hold });
    await tick();
    t.children[0]!.exit(5);
    expect(await outcome).toMatchObject({ kind: 'command-exited', status: 5 });
    expect(t.children[0]!.terminated).toBeUndefined();
    expect(t.releases()).toBe(1);
  });

  it('the hold is lost: the command gets SIGTERM, outcome lost, released once', async () => {
    const t = setup();
    const outcome = runHold({ ...t.base, command: t.command, acquire: async () => t.hold });
    await tick();
    t.lose(new Error('node deleted'));
    expect(await outcome).toMatchObject({ kind: 'lost', error: { message: 'node deleted' }, commandStatus: 143 });
    expect(t.children[0]!.terminated?.signal).toBe('SIGTERM');
    expect(t.releases()).toBe(1);
  });

  it('suspended past the grace: lost, and the SIGTERM grace is capped by the hard stop (5/8 of T after the last byte)', async () => {
    const t = setup({ suspendGraceMs: 100 });
    const outcome = runHold({ ...t.base, command: t.command, acquire: async () => t.hold });
    await tick();
    t.session.heardUsAt = Date.now();
    t.session.suspend();
    const result = await outcome;
    expect(result.kind).toBe('lost');
    expect(result.kind === 'lost' && result.error.message).toMatch(/disconnected from ZooKeeper for more than 100ms/);
    // T = 800 ms: dead by lastHeard + 500 ms, so the command has at most ~400 ms left after the 100 ms grace.
    const grace = t.children[0]!.terminated!.graceMs;
    expect(grace).toBeLessThanOrEqual(500 - 100);
    expect(grace).toBeGreaterThan(0);
  });

  it('a user grace larger than the margin allows is shortened to fit it', async () => {
    const t = setup({ suspendGraceMs: 60_000 });
    const started = Date.now();
    const outcome = runHold({ ...t.base, command: t.command, acquire: async () => t.hold });
    await tick();
    t.session.heardUsAt = Date.now();
    t.session.suspend();
    expect((await outcome).kind).toBe('lost');
    // Not 60 s: the stop starts before the hard stop at 5/8 of T (500 ms).
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('suspended and reconnected within the grace: still held', async () => {
    const t = setup({ suspendGraceMs: 150 });
    const outcome = runHold({ ...t.base, command: t.command, acquire: async () => t.hold });
    await tick();
    t.session.suspend();
    await tick(50);
    t.session.reconnect();
    await tick(200);
    expect(t.children[0]!.terminated).toBeUndefined();
    t.children[0]!.exit(0);
    expect((await outcome).kind).toBe('command-exited');
  });

  it('gives the keeper a 5/8-of-T deadline from when the server last heard us, and renews it from each new proof', async () => {
    const t = setup();
    const heardAt = Date.now() - 100;
    t.session.heardUsAt = heardAt;
    const outcome = runHold({ ...t.base, command: t.command, acquire: async () => t.hold });
    await tick();
    const child = t.children[0]!;
    expect(child.options.deadlineMs).toBe(500);
    // Absolute: the 100 ms since the server heard us are already used up, not granted again at the spawn.
    expect(child.options.deadlineAt).toBe(heardAt + 500);
    t.session.heardUsAt = heardAt + 40;
    t.session.emit('heard');
    t.session.emit('heard');
    expect(child.renewals).toBe(2);
    expect(child.renewedUntil).toEqual([heardAt + 540, heardAt + 540]);
    child.exit(0);
    await outcome;
    t.session.emit('heard');
    expect(child.renewals).toBe(2);
  });

  it('an acquire that returns after the hard stop (paused or starved meanwhile): lost, released, nothing announced, the command never started', async () => {
    const t = setup();
    const outcome = await runHold({
      ...t.base,
      command: t.command,
      acquire: async () => {
        // The server last heard us 600 ms ago: past 5/8 of T (500 ms); it may expire the session any moment.
        t.session.heardUsAt = Date.now() - 600;
        return t.hold;
      },
    });
    expect(outcome.kind).toBe('lost');
    expect(outcome.kind === 'lost' && outcome.error.message).toMatch(/no word from ZooKeeper for/);
    expect(t.children).toHaveLength(0);
    expect(t.releases()).toBe(1);
    // Nothing was announced as held.
    expect(t.events).toEqual(['released']);
  });

  it('an acquire that fails for another reason propagates, with nothing held', async () => {
    const t = setup();
    await expect(runHold({ ...t.base, acquire: async () => Promise.reject(new Error('no auth')) })).rejects.toThrow('no auth');
    expect(t.releases()).toBe(0);
  });
});

describe('runHold: an advisory hold (register)', () => {
  it('a loss does not stop the command: it is taken again (new session) while the command runs on', async () => {
    const t = setup();
    const second = fakeHold();
    const fresh = new FakeSession();
    const outcome = runHold({
      ...t.base,
      policy: { ...t.base.policy, advisory: true },
      command: t.command,
      acquire: async () => t.hold,
      reacquire: async () => ({ session: fresh, acquire: async () => second.hold }),
    });
    await tick();
    t.lose(new Error('session expired'));
    await tick(10);
    expect(t.events).toEqual(['acquired', 'spawned', 'reacquiring', 'acquired']);
    expect(t.children).toHaveLength(1);
    expect(t.children[0]!.terminated).toBeUndefined();
    expect(t.releases()).toBe(1);
    t.children[0]!.exit(0);
    expect(await outcome).toMatchObject({ kind: 'command-exited', status: 0 });
    expect(second.releases()).toBe(1);
  });

  it('a disconnection past the grace is no loss; the keeper is renewed by our own timer, not the server', async () => {
    const t = setup({ suspendGraceMs: 50 });
    const outcome = runHold({ ...t.base, policy: { ...t.base.policy, suspendGraceMs: 50, advisory: true }, command: t.command, acquire: async () => t.hold, reacquire: async () => ({ session: t.session, acquire: async () => t.hold }) });
    await tick();
    t.session.suspend();
    await tick(300);
    expect(t.children[0]!.terminated).toBeUndefined();
    // Deadline 500 ms (5/8 of 800): renewed every 125 ms with no byte heard.
    expect(t.children[0]!.renewals).toBeGreaterThanOrEqual(2);
    t.controller.abort('SIGTERM');
    expect(await outcome).toMatchObject({ kind: 'stopped', commandStatus: 143 });
  });

  it('stopped while taking it again: the command gets the signal, outcome stopped', async () => {
    const t = setup();
    const outcome = runHold({
      ...t.base,
      policy: { ...t.base.policy, advisory: true },
      command: t.command,
      acquire: async () => t.hold,
      reacquire: (_lost, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new StoppedError(signal.reason)))),
    });
    await tick();
    t.lose(new Error('session expired'));
    await tick(10);
    t.controller.abort('SIGINT');
    expect(await outcome).toMatchObject({ kind: 'stopped', signal: 'SIGINT' });
    expect(t.children[0]!.terminated?.signal).toBe('SIGINT');
  });

  it('taken by someone else meanwhile: the command is stopped and the error propagates', async () => {
    const t = setup();
    const outcome = runHold({
      ...t.base,
      policy: { ...t.base.policy, advisory: true },
      command: t.command,
      acquire: async () => t.hold,
      reacquire: async () => ({ session: t.session, acquire: async () => Promise.reject(new Error('held by another session')) }),
    });
    await tick();
    t.lose(new Error('node deleted'));
    await expect(outcome).rejects.toThrow('held by another session');
    expect(t.children[0]!.terminated?.signal).toBe('SIGTERM');
  });
});
