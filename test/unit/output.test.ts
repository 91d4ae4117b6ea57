import { describe, expect, it, vi } from 'vitest';
import { createColors, noColors } from '../../src/output/colors.js';
import { escapeControl, plural, previewData } from '../../src/output/escape.js';
import { Printer } from '../../src/output/printer.js';
import { dataEventJson, dataEventLine, dataJson, treeEntryLine } from '../../src/output/render.js';
import type { Stat } from '../../src/zk/index.js';
import { captureIo } from '../harness/capture-io.js';

const capture = captureIo;

const stat = (over: Partial<Stat> = {}): Stat => ({
  czxid: 5n,
  mzxid: 9n,
  pzxid: 5n,
  ctime: new Date(0),
  mtime: new Date(0),
  version: 3,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 3,
  numChildren: 0,
  ...over,
});

describe('escapeControl', () => {
  it('turns terminal escape sequences into visible text', () => {
    expect(escapeControl('a\u001b[2Jb\u0007')).toBe('a\\e[2Jb\\x07');
    expect(escapeControl('l1\nl2\tx', true)).toBe('l1\nl2\tx');
    expect(escapeControl('l1\nl2')).toBe('l1\\nl2');
    expect(previewData(Buffer.from('x'.repeat(100)), 10)).toBe(`${'x'.repeat(10)}…`);
  });
});

describe('Printer', () => {
  it('puts results on stdout and notes, warnings, errors, traces on stderr', () => {
    const c = capture();
    const p = new Printer(c.io, 'text', noColors, false);
    p.result('1', { id: 1 });
    p.note('holding');
    p.warn('careful');
    p.error('bad');
    p.trace('get /x');
    expect(c.out()).toBe('1\n');
    expect(c.err()).toBe('holding\nwarning: careful\nerror: bad\n[zk] get /x\n');
  });

  it('writes one JSON object per line in JSON mode, bigints as strings', () => {
    const c = capture();
    const p = new Printer(c.io, 'json', noColors, false);
    p.result('ignored', { token: 42n, when: new Date(0) });
    p.result('ignored', { n: 2 });
    const lines = c.out().trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ token: '42', when: '1970-01-01T00:00:00.000Z' }, { n: 2 }]);
  });

  it('--quiet silences notes but not warnings, errors or results', () => {
    const c = capture();
    const p = new Printer(c.io, 'text', noColors, true);
    p.note('n');
    p.warn('w');
    p.result('r', {});
    expect(c.err()).toBe('warning: w\n');
    expect(c.out()).toBe('r\n');
  });
});

describe('colours', () => {
  it('are off without a TTY, with NO_COLOR or --no-color, on with FORCE_COLOR', async () => {
    expect((await createColors({ enabled: true, isTTY: false, env: {} })).error('x')).toBe('x');
    expect((await createColors({ enabled: true, isTTY: true, env: { NO_COLOR: '1' } })).error('x')).toBe('x');
    expect((await createColors({ enabled: false, isTTY: true, env: {} })).error('x')).toBe('x');
    expect((await createColors({ enabled: true, isTTY: false, env: { FORCE_COLOR: '1' } })).error('x')).toContain('\u001b[');
  });
});

describe('spinner', () => {
  /** A sized TTY stderr, as a terminal gives: the printer spins there. */
  function ttyIo(): ReturnType<typeof captureIo> {
    const c = captureIo({});
    Object.assign(c.io.stderr, { isTTY: true, columns: 80, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    return c;
  }

  it('has no colour when colours are off (NO_COLOR, --no-color), its colour when on', async () => {
    vi.stubEnv('CI', undefined as unknown as string);
    vi.stubEnv('TERM', 'xterm');
    // ora colours through chalk's default instance, whose own check ignores NO_COLOR: make it colour here,
    // so only our choice (colour off) can keep the spinner plain.
    const { default: chalk } = await import('chalk');
    const level = chalk.level;
    chalk.level = 1;
    try {
      for (const [colors, coloured] of [[noColors, false], [await createColors({ enabled: true, isTTY: true, env: { FORCE_COLOR: '1' } }), true]] as const) {
        const c = ttyIo();
        const p = new Printer(c.io, 'text', colors, false);
        expect(p.spins).toBe(true);
        const spinner = await p.spinner('connecting');
        spinner.stop();
        expect(c.err()).toContain('connecting');
        // eslint-disable-next-line no-control-regex
        expect(/\u001b\[3\dm/.test(c.err())).toBe(coloured);
      }
    } finally {
      chalk.level = level;
      vi.unstubAllEnvs();
    }
  });

  it('never spins without a TTY, with --quiet or JSON', () => {
    expect(new Printer(captureIo().io, 'text', noColors, false).spins).toBe(false);
    expect(new Printer(ttyIo().io, 'text', noColors, true).spins).toBe(false);
    expect(new Printer(ttyIo().io, 'json', noColors, false).spins).toBe(false);
  });

  it('counts in the right number', () => {
    expect([plural(1, 'child', 'children'), plural(2, 'child', 'children'), plural(1, 'node'), plural(0, 'node')]).toEqual(['1 child', '2 children', '1 node', '0 nodes']);
  });
});

describe('render', () => {
  it('keeps binary data intact in JSON as base64', () => {
    expect(dataJson(Buffer.from('héllo'))).toEqual({ value: 'héllo' });
    const bin = Buffer.from([0xff, 0x00, 0x80]);
    expect(dataJson(bin)).toEqual({ value: bin.toString('base64'), encoding: 'base64' });
  });

  it('marks ephemeral nodes with their owner session', () => {
    const line = treeEntryLine({ path: '/s/1', name: '1', depth: 0, stat: stat({ ephemeralOwner: 0x100000960820007n }) }, { full: false, long: false });
    expect(line).toBe('1  [ephemeral 0x100000960820007]');
    expect(treeEntryLine({ path: '/s/a', name: 'a', depth: 0, stat: stat() }, { full: true, long: false })).toBe('/s/a');
  });

  it('describes data events with their version, escaped', () => {
    const event = { kind: 'changed' as const, path: '/c', data: Buffer.from('v\u001b'), stat: stat(), resync: false };
    expect(dataEventLine(event)).toBe('changed  /c  version 3  v\\e');
    expect(dataEventJson(event)).toEqual({ event: 'changed', path: '/c', resync: false, version: 3, mzxid: '0x9', value: 'v\u001b' });
  });
});

describe('messages of issue 10', () => {
  it('the suspended line counts what is left of the session from the last reply, not from now', async () => {
    const { describeStateLine } = await import('../../src/output/render.js');
    const client = { server: 'h:1', sessionIdHex: '0x1', lastHeardAt: 10_000, heardUsAt: 9_990, sessionTimeoutMs: 4000 } as unknown as Parameters<typeof describeStateLine>[0];
    const line = describeStateLine(client, { state: 'suspended', previous: 'connected' }, 11_500);
    expect(line).toContain('it expires unless a server is reached within 2490 ms; last reply 1500 ms ago');
    expect(describeStateLine(client, { state: 'suspended', previous: 'connected' }, 20_000)).toContain('within 0 ms');
  });

  it('errors escape control characters; with JSON they are one object with the exit code', () => {
    const text = capture();
    new Printer(text.io, 'text', noColors, false).error('bad /a\u001b[2J\u202e\nb', 5);
    expect(text.err()).toBe('error: bad /a\\e[2J\\u202e\\nb\n');
    const json = capture();
    new Printer(json.io, 'json', noColors, false).error('bad /a\u001b', 5);
    expect(JSON.parse(json.err())).toEqual({ error: 'bad /a\u001b', exitCode: 5 });
  });
});
