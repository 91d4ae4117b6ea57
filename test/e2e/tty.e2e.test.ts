import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../harness/cli.js';
import { closeClients, newClient, uniquePath, waitFor, zkConnect } from '../harness/zk.js';

const terminals = new Set<number>();
afterEach(async () => {
  // Whatever a failed test left running: the whole process group of each pseudo-terminal.
  for (const pgid of terminals) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  terminals.clear();
  await closeClients();
});

/** Runs the CLI inside a pseudo-terminal (util-linux `script`), so stdin, stdout and stderr are TTYs. */
function inTerminal(args: string[], options: { columns?: number } = {}): { output: () => string; type: (text: string) => void; exited: Promise<number> } {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // A pty made by `script` has no size until one is set; a real terminal has one.
  const columns = options.columns ?? 100;
  const command = columns > 0 ? `stty cols ${columns} rows 30; ${quoted}` : quoted;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...process.env, ZK_COORD_SERVER: zkConnect(), NO_COLOR: '1', TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid !== undefined) terminals.add(child.pid);
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return {
    output: () => output,
    type: (text) => child.stdin.write(text),
    exited: new Promise((resolve) => child.on('close', (code) => resolve(code ?? -1))),
  };
}

describe('on a terminal', () => {
  it('config set without a value asks for it', async () => {
    const p = uniquePath('prompted');
    const term = inTerminal(['config', 'set', p]);
    await waitFor(() => term.output().includes('value'), 10_000, 'the prompt');
    term.type('typed at the prompt\r');
    expect(await term.exited).toBe(0);
    const c = await newClient();
    expect((await c.getData(p)).data.toString()).toBe('typed at the prompt');
  });

  it('config rm asks first: "n" keeps the node, "y" deletes it', async () => {
    const p = uniquePath('confirm');
    const c = await newClient();
    await c.create(p, Buffer.from('x'));
    const no = inTerminal(['config', 'rm', p]);
    await waitFor(() => no.output().includes(`delete ${p}?`), 10_000, 'the question');
    no.type('n\r');
    expect(await no.exited).toBe(0);
    expect(await c.exists(p)).not.toBeNull();
    const yes = inTerminal(['config', 'rm', p]);
    await waitFor(() => yes.output().includes(`delete ${p}?`), 10_000, 'the question');
    yes.type('y\r');
    expect(await yes.exited).toBe(0);
    expect(await c.exists(p)).toBeNull();
  });

  it('config get escapes control characters for the eye, even on a terminal that reports no width', async () => {
    const p = uniquePath('tty-get');
    const c = await newClient();
    await c.create(p, Buffer.from('a\u001b[31mred'));
    const term = inTerminal(['config', 'get', p], { columns: 0 });
    expect(await term.exited).toBe(0);
    expect(term.output()).toContain('a\\e[31mred');
    expect(term.output()).not.toContain('\u001b[31m');
  });

  it('demo --step waits for Enter before each step', async () => {
    const term = inTerminal(['demo', 'config', '--step']);
    for (let step = 1; step <= 3; step += 1) {
      await waitFor(() => term.output().split('press Enter').length - 1 === step, 20_000, `pause ${step}`);
      // Nothing of this step is shown before Enter.
      expect(term.output().split('▶').length - 1).toBe(step - 1);
      term.type('\r');
    }
    expect(await term.exited).toBe(0);
    expect(term.output()).toContain('Every step behaved as narrated.');
  }, 60_000);

  it('shows a spinner while connecting on a sized terminal, then the value', async () => {
    const p = uniquePath('tty-spin');
    const c = await newClient();
    await c.create(p, Buffer.from('v'));
    const term = inTerminal(['config', 'get', p]);
    expect(await term.exited).toBe(0);
    expect(term.output()).toContain('connecting to');
    // How ora erases its line depends on timing (same line, or the next one); either way the value ends it.
    // eslint-disable-next-line no-control-regex
    const lines = term.output().replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n/).filter((l) => l.trim() !== '');
    expect(lines.at(-1)?.trim().endsWith('v')).toBe(true);
    expect(lines.at(-1)).not.toContain('error');
  });
});
