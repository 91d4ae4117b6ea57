import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, trackedRuns } from '../harness/cli.js';
import { proxyToServer, stopProxies } from '../harness/fault-proxy.js';
import { closeClients, newClient, uniquePath, waitFor } from '../harness/zk.js';

/**
 * Hot standby: every candidate's command runs from the start and is told its role (env, role file, hooks), in
 * order, and a silent leader is demoted a margin before anyone else can lead.
 */
const runs = trackedRuns();
const { start } = runs;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zk-coord-standby-'));
});
afterEach(async () => {
  await runs.stop();
  await stopProxies();
});
afterAll(async () => {
  await closeClients();
  rmSync(dir, { recursive: true, force: true });
});

const read = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');
const lines = (file: string): string[] => read(file).split('\n').filter(Boolean);
/** The command writes its start role and its role file's path; the test reads the role file itself. */
const worker = (out: string): string[] => ['--', 'sh', '-c', `echo "$ZK_COORD_ROLE $ZK_COORD_ROLE_FILE" > ${out}; while :; do sleep 0.05; done`];
const roleFileOf = (out: string): string => read(out).trim().split(' ')[1] ?? '';
const roleOf = (out: string): string[] => lines(roleFileOf(out));
/** A hook that logs "<hook> <start ms> <end ms> <env…>" after a pause long enough to overlap if run concurrently. */
const hook = (log: string, name: string, pause = '0.1'): string =>
  `s=$(date +%s%3N); sleep ${pause}; echo "${name} $s $(date +%s%3N) $ZK_COORD_ROLE $ZK_COORD_PREVIOUS_ROLE $ZK_COORD_PATH $ZK_COORD_NAME $ZK_COORD_SEQUENCE $ZK_COORD_TOKEN" >> ${log}`;
/**
 * A command for --role-signal USR1: it and a background child of its group each log "<who> start <role>",
 * then "<who> usr1 <line 1 of the role file>" at every USR1 and "<who> term" at SIGTERM. Only builtins
 * (read, echo) in the traps: no process of theirs a group signal could kill halfway; TERM is trapped so a
 * USR1 that came first is logged before the command ends (dash runs pending traps in signal-number order).
 */
const signalled = (log: string): string[] => {
  const traps = (who: string): string =>
    `trap 'read r < "$ZK_COORD_ROLE_FILE"; echo "${who} usr1 $r" >> ${log}' USR1; trap 'echo "${who} term" >> ${log}; exit 143' TERM`;
  const loop = 'while :; do sleep 0.05; done';
  return ['--', 'sh', '-c', `${traps('main')}; (${traps('child')}; echo "child start $ZK_COORD_ROLE" >> ${log}; ${loop}) & echo "main start $ZK_COORD_ROLE" >> ${log}; ${loop}`];
};
/** What one process of the group logged, in order, without its name. */
const loggedBy = (log: string, who: 'main' | 'child'): string[] => lines(log).filter((l) => l.startsWith(`${who} `)).map((l) => l.slice(who.length + 1));

describe('elect --standby', () => {
  it('both commands run from the start and know their roles; after the leader\'s SIGTERM the other leads within 1 s and ran --on-elected once', async () => {
    const path = uniquePath('standby');
    const [outA, outB, logB] = ['a', 'b', 'hooks-b'].map((n) => join(dir, `${n}-${path.slice(1)}`)) as [string, string, string];
    const a = start(['elect', path, 'A', '--standby', ...worker(outA)]);
    await waitFor(() => roleOf(outA)[0] === 'leader', 10_000, 'A leads');
    const b = start(['elect', path, 'B', '--standby', '--on-elected', hook(logB, 'elected', '0'), '--on-demoted', hook(logB, 'demoted', '0'), ...worker(outB)]);
    await waitFor(() => roleOf(outB).length === 3, 10_000, 'B running');
    expect(read(outA).split(' ')[0]).toBe('leader');
    expect(read(outB).split(' ')[0]).toBe('follower');
    expect(roleOf(outB)[0]).toBe('follower');
    expect(roleOf(outB)[2]).toBe('A');
    expect(lines(logB)).toEqual([]);
    const sequence = Number(roleOf(outB)[1]);
    a.signal('SIGTERM');
    const stoppedAt = Date.now();
    await waitFor(() => roleOf(outB)[0] === 'leader', 5000, 'B leads');
    expect(Date.now() - stoppedAt).toBeLessThan(1000);
    expect(Number(roleOf(outB)[1])).toBeGreaterThan(sequence);
    expect(roleOf(outB)[2]).toBe('B');
    expect(await a.exited).toBe(143);
    await waitFor(() => lines(logB).length === 1, 5000, 'on-elected ran');
    const [name, , , role, previous, hookPath, hookName, hookSequence, hookToken] = lines(logB)[0]!.split(' ');
    expect([name, role, previous, hookPath, hookName]).toEqual(['elected', 'leader', 'follower', path, 'B']);
    expect(Number(hookSequence)).toBeGreaterThan(0);
    // --on-elected gets the leadership's fencing token: the czxid of B's node, the only one left.
    const c = await newClient();
    const [node] = (await c.getChildren(path)).children;
    expect(hookToken).toBe((await c.exists(`${path}/${node}`))!.czxid.toString());
    expect(b.running).toBe(true);
  });

  it('hooks never overlap and come in transition order through 10 quick rotations', async () => {
    const path = uniquePath('rotate');
    const out = join(dir, `r-${path.slice(1)}`);
    const log = join(dir, `rlog-${path.slice(1)}`);
    start(['elect', path, 'R', '--standby', '--on-elected', hook(log, 'elected'), '--on-demoted', hook(log, 'demoted'), ...worker(out)]);
    const zk = await newClient();
    for (let round = 0; round < 10; round += 1) {
      // Leading again (a new session's node): delete it at once, without waiting for the hooks.
      const node = await waitFor(async () => {
        if (roleOf(out)[0] !== 'leader') return undefined;
        const { children } = await zk.getChildren(path);
        return children[0];
      }, 10_000, `leading, round ${round}`);
      await zk.remove(`${path}/${node}`).catch(() => undefined);
      await waitFor(() => roleOf(out)[0] === 'follower' || undefined, 10_000, `demoted, round ${round}`).catch(() => undefined);
    }
    await waitFor(() => lines(log).length >= 20, 20_000, 'every hook ran');
    const entries = lines(log).map((l) => l.split(' '));
    for (let i = 0; i < entries.length; i += 1) {
      expect(entries[i]![0]).toBe(i % 2 === 0 ? 'elected' : 'demoted');
      if (i > 0) expect(Number(entries[i]![1])).toBeGreaterThanOrEqual(Number(entries[i - 1]![2]));
      if (i > 0) expect(Number(entries[i]![7])).toBeGreaterThan(Number(entries[i - 1]![7]));
    }
  });

  it('blackholed past the session timeout: --on-demoted has ended at least T/4 before the new leader\'s --on-elected starts; the command keeps running', async () => {
    // 4 s: the hook's budget between the demotion and the hard stop is T/8 (500 ms), room for a shell and its
    // sleep on a loaded machine (with 2 s, 250 ms was not always enough: the hook was killed at the deadline).
    const timeoutMs = 4000;
    const path = uniquePath('demote');
    const cut = await proxyToServer();
    const [outL, outF, logL, logF] = ['l', 'f', 'hl', 'hf'].map((n) => join(dir, `${n}-${path.slice(1)}`)) as [string, string, string, string];
    const port = 20000 + (process.pid % 5000) * 2;
    const leader = start(['--session-timeout', String(timeoutMs), 'elect', path, 'L', '--standby', '--http', String(port), '--on-demoted', hook(logL, 'demoted', '0.05'), ...worker(outL)], cut.connectString);
    await waitFor(() => roleOf(outL)[0] === 'leader', 10_000, 'L leads');
    start(['elect', path, 'F', '--standby', '--on-elected', hook(logF, 'elected', '0'), ...worker(outF)]);
    await waitFor(() => roleOf(outF)[0] === 'follower', 10_000, 'F follows');
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    cut.setMode('blackhole');
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 503, 5000, '/health 503 while silent');
    await waitFor(() => lines(logF).length === 1, 15_000, 'F elected');
    const demotedEnd = Number(lines(logL)[0]?.split(' ')[2]);
    const electedStart = Number(lines(logF)[0]!.split(' ')[1]);
    expect(electedStart - demotedEnd).toBeGreaterThanOrEqual(timeoutMs / 4);
    expect(roleOf(outL)[0]).toBe('follower');
    // The old leader's command still runs, as a follower; it campaigns again once the server is back.
    cut.setMode('pass');
    await waitFor(() => leader.stderr.some((l) => /taking it again with a new session/.test(l)), 10_000, 'campaigns again');
    expect(leader.running).toBe(true);
    await waitFor(() => roleOf(outL)[2] === 'F', 10_000, 'L sees F lead');
  });

  it('--role-signal SIGUSR1 reaches the whole group at every role change, after the role file: the follower reads leader, the stopped leader follower before its SIGTERM', async () => {
    const path = uniquePath('signal');
    const [logA, logB] = ['sa', 'sb'].map((n) => join(dir, `${n}-${path.slice(1)}`)) as [string, string];
    const both = (log: string, line: string): boolean => loggedBy(log, 'main').includes(line) && loggedBy(log, 'child').includes(line);
    const a = start(['elect', path, 'A', '--standby', '--role-signal', 'SIGUSR1', ...signalled(logA)]);
    await waitFor(() => both(logA, 'start leader'), 10_000, 'A leads, its command and child running');
    const b = start(['elect', path, 'B', '--standby', '--role-signal', 'SIGUSR1', ...signalled(logB)]);
    await waitFor(() => both(logB, 'start follower'), 10_000, 'B follows, its command and child running');
    // Starting in a role is no change: nobody was signalled.
    expect(lines(logA).filter((l) => l.includes(' usr1 '))).toEqual([]);
    expect(lines(logB).filter((l) => l.includes(' usr1 '))).toEqual([]);

    a.signal('SIGTERM');
    await waitFor(() => both(logB, 'usr1 leader'), 5000, "B's group signalled as leader");
    expect(await a.exited).toBe(143);
    // The stopped leader: demoted first (role file, signal to its whole group), then its group stopped.
    for (const who of ['main', 'child'] as const) expect(loggedBy(logA, who), `A's ${who}`).toEqual(['start leader', 'usr1 follower', 'term']);
    expect(b.running).toBe(true);

    b.signal('SIGTERM');
    expect(await b.exited).toBe(143);
    // One signal per role change, each read after the role file said the new role.
    for (const who of ['main', 'child'] as const) expect(loggedBy(logB, who), `B's ${who}`).toEqual(['start follower', 'usr1 leader', 'usr1 follower', 'term']);
  });

  it.each([
    ['an unknown signal name', ['--standby', '--role-signal', 'SIGNOPE']],
    ['SIGKILL, which no command can handle', ['--standby', '--role-signal', 'KILL']],
    ['SIGPROF, whose default action would end the keeper in the group', ['--standby', '--role-signal', 'PROF']],
    ['SIGTSTP, whose default action would stop it', ['--standby', '--role-signal', 'SIGTSTP']],
    ['a signal without --standby', ['--role-signal', 'SIGUSR1']],
  ])('--role-signal: %s is a usage error (exit 2, one error line), nothing created', async (_what, flags) => {
    const path = uniquePath('badsignal');
    const r = await runCli(['elect', path, 'X', ...flags, '--', 'sh', '-c', 'echo ran']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('--role-signal');
    expect(await (await newClient()).exists(path)).toBeNull();
  });
});
