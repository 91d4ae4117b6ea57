import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { createProgram, subcommandWord } from '../../src/cli/program.js';
import { captureIo } from '../harness/capture-io.js';
import { ExitCode, reportFor, UsageError } from '../../src/cli/exit-codes.js';
import {
  BadVersionError,
  ConnectFailedError,
  NoNodeError,
  NodeExistsError,
  SessionLostError,
  UnknownServerError,
  ZkTimeoutError,
} from '../../src/zk/index.js';
import { OwnershipLostError, StoppedError, TakenError, WaitTimeoutError } from '../../src/recipes/errors.js';

async function runMain(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const captured = captureIo(env);
  const code = await main(argv, captured.io);
  return { code, out: captured.out(), err: captured.err() };
}

describe('command wiring', () => {
  it('prints help on stdout and exits 0, with the exit-code table', async () => {
    const r = await runMain(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: zk-coord');
    expect(r.out).toMatch(/claim.*\n(.|\n)*elect(.|\n)*lock(.|\n)*config(.|\n)*ls/);
    expect(r.out).toContain('6  conflict');
    expect(r.err).toBe('');
  });

  it.each(['claim', 'elect', 'lock', 'register', 'barrier', 'queue work', 'config set'])(
    'every holder\'s --help has the holder exit-code table and the supervision rules (%s)',
    async (command: string) => {
      const r = await runMain([...command.split(' '), '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain('Exit codes (the same rule in every holder):');
      expect(r.out).toMatch(/129\/130\/143 +stopped by SIGHUP\/SIGINT\/SIGTERM before anything was held/);
      expect(r.out).toMatch(/^ {2}4 +the hold was lost/m);
      expect(r.out).toMatch(/^ {2}7 +the same, but the release not confirmed/m);
      expect(r.out).toContain('128+N');
      expect(r.out).toContain('Supervision: the command runs in a process group of its own');
      for (const option of ['--exec', '--grace', '--suspend-grace', '--detach', '--acl', '--http']) expect(r.out).toContain(option);
    },
  );

  it('config set refuses holder options without -e (exit 2), naming them', async () => {
    const r = await runMain(['-s', '127.0.0.1:1', 'config', 'set', '/x', 'v', '--grace', '2s', '--exec', 'true']);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.err).toContain('--exec, --grace: only with -e');
  });

  it('finds the subcommand past root options and their values, to load only that command', () => {
    const { program } = createProgram(captureIo({}).io, []);
    expect(subcommandWord(program, ['-s', 'h:1', 'config', 'get', '/x'])).toBe('config');
    expect(subcommandWord(program, ['--server', 'ls', '-o', 'json', '--trace', 'claim'])).toBe('claim');
    expect(subcommandWord(program, ['--server=h:1', '-sh:2', '--session-timeout', '4000', '-q', 'ls', '-s'])).toBe('ls');
    expect(subcommandWord(program, ['--no-color', '--help'])).toBeUndefined();
    expect(subcommandWord(program, [])).toBeUndefined();
  });

  it('still knows every command when the line names none it has (suggestions, help <command>)', async () => {
    const typo = await runMain(['confg', 'get', '/x']);
    expect(typo.code).toBe(ExitCode.Usage);
    expect(typo.err).toContain('(Did you mean config?)');
    const help = await runMain(['help', 'lock']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: zk-coord lock');
  });

  it('rejects an unknown command or option with exit 2 and a message on stderr', async () => {
    expect((await runMain(['frobnicate'])).code).toBe(ExitCode.Usage);
    const r = await runMain(['ls', '--bogus']);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.err).toContain("unknown option '--bogus'");
    expect(r.out).toBe('');
  });

  it('rejects a bad connection string before any network use (exit 2)', async () => {
    const r = await runMain(['-s', 'a:1, ,b', 'ls', '/']);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.err).toMatch(/^error: empty host/m);
  });

  it('rejects bad numbers through commander (exit 2)', async () => {
    expect((await runMain(['claim', '--max', '0'])).code).toBe(ExitCode.Usage);
    expect((await runMain(['lock', '/l', '--timeout', 'soon'])).code).toBe(ExitCode.Usage);
    expect((await runMain(['--session-timeout', '-5', 'ls'])).code).toBe(ExitCode.Usage);
  });

  it('accepts global options after the subcommand, -s too, except after a zkCli word where -s means stat', async () => {
    // --server after the subcommand is honoured: the bad string fails validation (exit 2), proving it was read.
    expect((await runMain(['ls', '/', '--server', 'bad_host:1'])).code).toBe(ExitCode.Usage);
    expect((await runMain(['status', '-s', 'bad_host:1'])).code).toBe(ExitCode.Usage);
    expect((await runMain(['config', 'get', '/x', '-s', 'bad_host:1'])).code).toBe(ExitCode.Usage);
    // -s after `ls` is the stat flag, not a server: the root -s (bad) still applies.
    expect((await runMain(['-s', 'bad_host:1', 'ls', '/', '-s'])).code).toBe(ExitCode.Usage);
  });

  it('refuses config rm without a terminal and without --yes (exit 2) before connecting', async () => {
    const r = await runMain(['-s', '127.0.0.1:1', 'config', 'rm', '/x']);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.err).toContain('--yes');
  });

  it('refuses config set without a value and without a terminal (exit 2)', async () => {
    const r = await runMain(['-s', '127.0.0.1:1', 'config', 'set', '/x']);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.err).toContain('no value given');
  });

  it('rejects a command both after -- and with --exec', async () => {
    const r = await runMain(['-s', '127.0.0.1:1', 'claim', '--exec', 'true', '--', 'true']);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.err).toContain('not both');
  });

  it('does not take the child command for the parent path (claim -- /bin/sh)', async () => {
    // Unreachable server: fails connecting (exit 3), after parsing `/bin/sh` as the child, not the parent.
    const r = await runMain(['-s', '127.0.0.1:1', '--connect-timeout', '300', 'claim', '--', '/bin/sh']);
    expect(r.code).toBe(ExitCode.Connect);
    expect(r.err).toMatch(/cannot connect to ZooKeeper within 300 ms; tried 127.0.0.1:1 \(ECONNREFUSED\)/);
  });

  it('a holder that cannot connect says so as it goes: "connecting to …" once it takes a while, each failing host once', async () => {
    const r = await runMain(['-s', '127.0.0.1:1', '--connect-timeout', '1500', 'claim', '/x']);
    expect(r.code).toBe(ExitCode.Connect);
    const lines = r.err.trim().split('\n');
    // Without a terminal the spinner is one plain line, after 750 ms.
    expect(lines.filter((l) => l === 'connecting to 127.0.0.1:1…')).toHaveLength(1);
    // Refused again and again while it retries, told once.
    expect(lines.filter((l) => l.startsWith('cannot reach 127.0.0.1:1'))).toEqual(['cannot reach 127.0.0.1:1 (ECONNREFUSED); still trying for up to 1500 ms']);
    // A one-shot command gives up at once when nothing listens: no progress lines at all.
    const get = await runMain(['-s', '127.0.0.1:1', '--connect-timeout', '1500', 'config', 'get', '/x']);
    expect(get.code).toBe(ExitCode.Connect);
    expect(get.err).not.toMatch(/connecting to|still trying/);
  });
});

describe('exit codes: one table', () => {
  it.each([
    [new UsageError('x'), ExitCode.Usage],
    [new ConnectFailedError(['h:1'], 10, {}), ExitCode.Connect],
    [new ZkTimeoutError('get', 10, '/x'), ExitCode.Connect],
    [new SessionLostError('expired'), ExitCode.Lost],
    [new SessionLostError('auth-failed'), ExitCode.Connect],
    [new OwnershipLostError('ID 1', 'gone'), ExitCode.Lost],
    [new NoNodeError('/x'), ExitCode.NotFound],
    [new NodeExistsError('/x'), ExitCode.Conflict],
    [new BadVersionError('/x'), ExitCode.Conflict],
    [new TakenError('ID 1'), ExitCode.Conflict],
    [new WaitTimeoutError('lock', 10), ExitCode.Conflict],
    [new UnknownServerError(-125, '/q'), ExitCode.Internal],
    [new Error('boom'), ExitCode.Internal],
  ])('%s → %i', (error, code) => {
    const report = reportFor(error);
    expect(report.code).toBe(code);
    expect(report.message).not.toContain('    at ');
  });

  it('interrupted before anything was held: 128 + the signal, no message', () => {
    expect(reportFor(new StoppedError('SIGTERM'))).toEqual({ code: 143, message: undefined });
    expect(reportFor(new StoppedError('SIGINT'))).toEqual({ code: 130, message: undefined });
  });

  it('names the path and the server code for unknown codes', () => {
    expect(reportFor(new UnknownServerError(-125, '/q')).message).toBe('server error QUOTA_EXCEEDED [-125]: /q');
  });
});
