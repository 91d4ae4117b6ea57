import { spawn } from 'node:child_process';
import { BIN } from './cli.js';
import { zkConnect } from './zk.js';

export interface Terminal {
  output: () => string;
  type: (text: string) => void;
  exited: Promise<number>;
  pid: number | undefined;
}

const terminals = new Set<number>();

/**
 * Runs the CLI inside a pseudo-terminal (util-linux `script`), so stdin, stdout and stderr are TTYs; with
 * `stdoutFile`, stdout goes to that file instead (`zk-coord … > file` typed at a terminal).
 */
export function inTerminal(args: string[], options: { columns?: number; env?: NodeJS.ProcessEnv; stdoutFile?: string } = {}): Terminal {
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  // `exec`: zk-coord must be the terminal's foreground group alone, as when an interactive shell starts it.
  // `script` runs the line with $SHELL; dash (SHELL=/bin/sh, as some CI runners set) does not exec the last
  // command by itself, so it stayed in the foreground group, got the Ctrl+C too and exited 130 after
  // zk-coord's own 0.
  const quoted = `exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}${options.stdoutFile ? ` > ${quote(options.stdoutFile)}` : ''}`;
  // A pty made by `script` has no size until one is set; a real terminal has one.
  const columns = options.columns ?? 100;
  const command = columns > 0 ? `stty cols ${columns} rows 30; ${quoted}` : quoted;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    // One shell for the line, whatever $SHELL the machine has.
    env: { ...process.env, SHELL: '/bin/sh', ZK_COORD_SERVER: zkConnect(), NO_COLOR: '1', TERM: 'xterm', ...options.env },
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
    pid: child.pid,
  };
}

/** Ends whatever a failed test left running: the whole process group of each pseudo-terminal. */
export function killTerminals(): void {
  for (const pgid of terminals) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  terminals.clear();
}
