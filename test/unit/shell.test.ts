import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/exit-codes.js';
import { noColors } from '../../src/output/colors.js';
import { ShellPrinter } from '../../src/output/shell-printer.js';
import { childrenListLine, javaDate, watchedEventLine } from '../../src/output/zkcli.js';
import { findCommand, parseCommand } from '../../src/shell/commands.js';
import { ShellCompleter } from '../../src/shell/completer.js';
import { ShellHistory } from '../../src/shell/history.js';
import { splitWords } from '../../src/shell/words.js';
import { captureIo } from '../harness/capture-io.js';

describe('shell words', () => {
  it('quotes as a POSIX shell does, with # comments only where a word starts outside quotes', () => {
    expect(splitWords(`create -e /config/database "db_host=localhost;db_port=5432"`)).toEqual(['create', '-e', '/config/database', 'db_host=localhost;db_port=5432']);
    expect(splitWords(`set /x 'it''s' "a \\"b\\"" c\\ d`)).toEqual(['set', '/x', 'its', 'a "b"', 'c d']);
    expect(splitWords(`set /x $'line1\\nline2'`)).toEqual(['set', '/x', 'line1\nline2']);
    expect(splitWords('  # only a comment')).toEqual([]);
    expect(splitWords('get /x # why')).toEqual(['get', '/x']);
    expect(splitWords('set /x "a # b" #c')).toEqual(['set', '/x', 'a # b']);
    expect(splitWords('set /x a\\ #b')).toEqual(['set', '/x', 'a #b']);
    expect(splitWords('set /x a#b')).toEqual(['set', '/x', 'a#b']);
    expect(splitWords('set /x ""')).toEqual(['set', '/x', '']);
  });

  it('unbalanced quotes are a usage error', () => {
    expect(() => splitWords('set /x "open')).toThrow(UsageError);
    expect(() => splitWords("set /x 'open")).toThrow(UsageError);
  });

  it("flags follow zkCli's, anywhere on the line; -- ends them; unknown ones name the usage", () => {
    const get = findCommand('get');
    expect(get && parseCommand(get, ['/x', '-s'])).toEqual({ flags: { stat: true }, positionals: ['/x'] });
    const set = findCommand('set');
    expect(set && parseCommand(set, ['-v', '3', '/x', '--', '-5'])).toEqual({ flags: { version: '3' }, positionals: ['/x', '-5'] });
    expect(() => get && parseCommand(get, ['-x', '/x'])).toThrow(/unknown option -x; usage: get \[-s\] \[-w\] path/);
    expect(() => set && parseCommand(set, ['/x', 'v', '-v'])).toThrow(/-v needs a value/);
    expect(findCommand('exit')?.name).toBe('quit');
  });
});

describe('shell completion', () => {
  const tree: Record<string, string[]> = { '/': ['config', 'election', 'zookeeper'], '/config': ['database', 'database2', 'app'] };
  const asked: string[] = [];
  const completer = new ShellCompleter(async (parent) => {
    asked.push(parent);
    return tree[parent];
  });

  it('completes commands, flags, subcommands and znode paths', async () => {
    expect(await completer.complete('del')).toEqual([['delete', 'deleteall'], 'del']);
    expect(await completer.complete('sy')).toEqual([['sync '], 'sy']);
    expect(await completer.complete('ls -')).toEqual([['-s', '-w', '-R'], '-']);
    expect(await completer.complete('config w')).toEqual([['watch '], 'w']);
    expect(await completer.complete('get /con')).toEqual([['/config'], '/con']);
    expect(await completer.complete('get -s /config/data')).toEqual([['/config/database', '/config/database2'], '/config/data']);
    expect(await completer.complete('config get /e')).toEqual([['/election'], '/e']);
    expect(await completer.complete('get /missing/x')).toEqual([[], '/missing/x']);
    expect(await completer.complete('whoami ')).toEqual([[], '']);
  });

  it('asks the server once per parent while the cache is fresh', async () => {
    asked.length = 0;
    await completer.complete('get /config/a');
    await completer.complete('get /config/d');
    expect(asked.filter((p) => p === '/config').length).toBeLessThanOrEqual(1);
  });
});

describe('shell history', () => {
  it('numbers lines from 0, persists them across runs, and never writes addauth to disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zk-coord-history-'));
    try {
      const file = join(dir, 'state', 'shell_history');
      const first = new ShellHistory(file);
      first.add('ls /');
      first.add('addauth digest alice:secret');
      first.add('get /x');
      expect(first.recent()).toEqual([
        { number: 0, line: 'ls /' },
        { number: 1, line: 'addauth digest alice:secret' },
        { number: 2, line: 'get /x' },
      ]);
      expect(readFileSync(file, 'utf8')).not.toContain('secret');
      const second = new ShellHistory(file);
      expect(second.lines).toEqual(['ls /', 'get /x']);
      expect(second.get(1)).toBe('get /x');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('shell output', () => {
  it("renders zkCli's shapes", () => {
    expect(childrenListLine(['a', 'b'])).toBe('[a, b]');
    expect(childrenListLine([])).toBe('[]');
    expect(watchedEventLine('changed', '/config/database')).toBe('WatchedEvent state:SyncConnected type:NodeDataChanged path:/config/database');
    expect(javaDate(new Date(2026, 11, 1, 21, 8, 0))).toMatch(/^Tue Dec 01 21:08:00 \S+ 2026$/);
  });

  it('-o json: one object per command, tagged, failures included, events untagged', () => {
    const { io, out } = captureIo();
    const printer = new ShellPrinter(io, 'json', noColors, false);
    printer.begin('get /a');
    printer.result('v', { path: '/a', value: 'v' });
    printer.end(0);
    printer.begin('delete /a');
    printer.end(0);
    printer.begin('get /nope');
    printer.error('node does not exist: /nope');
    printer.end(5);
    printer.event('WatchedEvent …', { watchedEvent: 'NodeDeleted', path: '/a' });
    expect(out().trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { command: 'get /a', ok: true, path: '/a', value: 'v' },
      { command: 'delete /a', ok: true },
      { command: 'get /nope', ok: false, exitCode: 5, error: 'node does not exist: /nope' },
      { watchedEvent: 'NodeDeleted', path: '/a' },
    ]);
  });
});
