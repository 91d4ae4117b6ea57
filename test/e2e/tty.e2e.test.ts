import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inTerminal, killTerminals } from '../harness/terminal.js';
import { closeClients, newClient, uniquePath, waitFor, zkConnect } from '../harness/zk.js';

afterEach(async () => {
  killTerminals();
  await closeClients();
});

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

  it('queue push with no items and stdin a terminal: exit 2 at once, not a silent wait for input', async () => {
    const p = uniquePath('tty-queue');
    const term = inTerminal(['queue', 'push', p]);
    expect(await term.exited).toBe(2);
    expect(term.output()).toContain('no items: give them as arguments, or pipe them in');
    expect(await (await newClient()).exists(p)).toBeNull();
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

  it('config rm: Ctrl+C at the question exits 130 with nothing deleted; a node with children fails before asking', async () => {
    const p = uniquePath('confirm');
    const c = await newClient();
    await c.create(p, Buffer.from('x'));
    const cancel = inTerminal(['config', 'rm', p]);
    await waitFor(() => cancel.output().includes(`delete ${p}?`), 10_000, 'the question');
    cancel.type('\u0003');
    expect(await cancel.exited).toBe(130);
    expect(await c.exists(p)).not.toBeNull();
    await c.create(`${p}/child`, Buffer.alloc(0));
    const parent = inTerminal(['config', 'rm', p]);
    expect(await parent.exited).toBe(6);
    expect(parent.output()).toContain(`node has children: ${p}: 1 child under it; add -R (--recursive) to delete them too`);
    expect(parent.output()).not.toContain(`delete ${p}?`);
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

  it('colours stdout only when stdout is the terminal: status and demo redirected to a file get none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zk-coord-tty-'));
    const colour = { NO_COLOR: '' };
    // 127.0.0.1:1: nothing listens, so status paints it "unreachable" (red) on a terminal: degraded, exit 9.
    const servers = `${zkConnect()},127.0.0.1:1`;
    try {
      const onTerminal = inTerminal(['-s', servers, 'status'], { env: colour });
      expect(await onTerminal.exited).toBe(9);
      expect(onTerminal.output()).toContain('\u001b[31munreachable');
      const file = join(dir, 'status.txt');
      const redirected = inTerminal(['-s', servers, 'status'], { env: colour, stdoutFile: file });
      expect(await redirected.exited).toBe(9);
      expect(readFileSync(file, 'utf8')).toContain('unreachable');
      expect(readFileSync(file, 'utf8')).not.toContain('\u001b[');
      const demoFile = join(dir, 'demo.txt');
      const demo = inTerminal(['demo', 'config'], { env: colour, stdoutFile: demoFile });
      expect(await demo.exited).toBe(0);
      expect(readFileSync(demoFile, 'utf8')).toContain('Every step behaved as narrated.');
      expect(readFileSync(demoFile, 'utf8')).not.toContain('\u001b[');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

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

  it('a supervised command gets the terminal: it reads what is typed (its group is the foreground one)', async () => {
    const term = inTerminal(['lock', uniquePath('tty-lock'), '--', 'sh', '-c', 'printf "name? "; read x; echo "got $x"']);
    await waitFor(() => /(^|\n)name\? /.test(term.output()), 10_000, 'the command asking');
    term.type('hello\r');
    expect(await term.exited).toBe(0);
    expect(term.output()).toContain('got hello');
  });

  it('Ctrl+C reaches the supervised command; zk-coord exits with its code and releases', async () => {
    const path = uniquePath('tty-ctrl-c');
    const term = inTerminal(['lock', path, '--', 'sh', '-c', 'trap "echo interrupted; exit 3" INT; echo ready; while :; do sleep 0.1; done']);
    // The line alone: the "running …" note quotes the script, "echo ready" included.
    await waitFor(() => /(^|\n)ready\r?\n/.test(term.output()), 10_000, 'the command running');
    term.type('\u0003');
    expect(await term.exited).toBe(3);
    expect(term.output()).toContain('interrupted');
    const c = await newClient();
    expect((await c.getChildren(path)).children).toEqual([]);
  });

  it('config watch --exec: Ctrl+C during a hook stops the watch (the hook never takes the terminal) and the hook with it', async () => {
    const path = uniquePath('tty-watch');
    const c = await newClient();
    await c.create(path, Buffer.from('v0'));
    const term = inTerminal(['config', 'watch', path, '--exec', 'trap "echo hook-interrupted; exit 3" INT; echo hook-running; while :; do sleep 0.1; done']);
    await waitFor(() => /(^|\n)hook-running\r?\n/.test(term.output()), 10_000, 'the hook running');
    term.type('\u0003');
    // zk-coord got the SIGINT (it is the foreground group), passed it to the hook's group, and ended.
    expect(await term.exited).toBe(0);
    expect(term.output()).toContain('hook-interrupted');
    expect(term.output()).not.toMatch(/--exec command exited with/);
  });

  it('elect --on-elected: Ctrl+C during the hook is zk-coord\'s (the hook never takes the terminal): the hook ends, the leader leaves, exit 0', async () => {
    const path = uniquePath('tty-elect-hook');
    const hook = 'if [ -t 0 ]; then echo hook-stdin-tty; else echo hook-stdin-not-tty; fi; echo "hook-token $ZK_COORD_TOKEN"; echo hook-running; sleep 1; echo hook-done';
    const term = inTerminal(['elect', path, 'a', '--on-elected', hook, '--hook-timeout', '20s']);
    await waitFor(() => /(^|\n)hook-running\r?\n/.test(term.output()), 10_000, 'the hook running');
    // The leadership's fencing token: our node's czxid.
    const leader = await newClient();
    const [node] = (await leader.getChildren(path)).children;
    expect(term.output()).toContain(`hook-token ${(await leader.exists(`${path}/${node}`))!.czxid}\r\n`);
    term.type('\u0003');
    // Had the hook the terminal, Ctrl+C would have interrupted it and zk-coord would still be leading.
    expect(await term.exited).toBe(0);
    expect(term.output()).toContain('hook-stdin-not-tty');
    // Never cut short: the running hook ends by itself before zk-coord exits.
    expect(term.output()).toContain('hook-done');
    expect(term.output()).not.toMatch(/--on-elected exited with/);
    const c = await newClient();
    expect((await c.getChildren(path)).children).toEqual([]);
  });

  it('shows a spinner while connecting on a sized terminal, then the value', async () => {
    const p = uniquePath('tty-spin');
    const c = await newClient();
    await c.create(p, Buffer.from('v'));
    const term = inTerminal(['config', 'get', p]);
    expect(await term.exited).toBe(0);
    expect(term.output()).toContain('connecting to');
    // NO_COLOR (set by inTerminal) turns the spinner's colour off too: no SGR colour code at all.
    // eslint-disable-next-line no-control-regex
    expect(term.output()).not.toMatch(/\u001b\[3\dm/);
    // How ora erases its line depends on timing (same line, or the next one); either way the value ends it.
    // eslint-disable-next-line no-control-regex
    const lines = term.output().replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n/).filter((l) => l.trim() !== '');
    expect(lines.at(-1)?.trim().endsWith('v')).toBe(true);
    expect(lines.at(-1)).not.toContain('error');
  });
});
