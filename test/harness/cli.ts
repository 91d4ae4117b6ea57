import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import { zkConnect } from './zk.js';

export const BIN = fileURLToPath(new URL('../../bin/zk-coord.js', import.meta.url));

export interface CliRun {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Exactly the bytes written to stdout. */
  stdoutBytes(): Buffer;
  /** Resolves with the first stdout (or stderr) line matching, waiting up to `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs?: number, stream?: 'stdout' | 'stderr'): Promise<string>;
  /** Resolves with the exit code (or 128+signal number when killed by a signal). */
  exited: Promise<number>;
  signal(signal: NodeJS.Signals): void;
  /** Writes and closes stdin. */
  input(text: string): void;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Spawns the built CLI against the shared server (unless `-s` is in `args` or ZK_COORD_SERVER is set). */
export function spawnCli(args: string[], options: { env?: NodeJS.ProcessEnv; server?: string } = {}): CliRun {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    ZK_COORD_SERVER: options.server ?? zkConnect(),
    ...options.env,
  };
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const listeners = new Set<() => void>();
  const rawOut: Buffer[] = [];
  const collect = (stream: NodeJS.ReadableStream, into: string[], raw?: Buffer[]): void => {
    let partial = '';
    const decoder = new StringDecoder('utf8');
    stream.on('data', (bytes: Buffer) => {
      raw?.push(bytes);
      const chunk = decoder.write(bytes);
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      into.push(...lines);
      for (const l of [...listeners]) l();
    });
    stream.on('end', () => {
      if (partial) into.push(partial);
      partial = '';
      for (const l of [...listeners]) l();
    });
  };
  collect(child.stdout!, stdout, rawOut);
  collect(child.stderr!, stderr);
  let done = false;
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => {
      done = true;
      for (const l of [...listeners]) l();
      resolve(code ?? 128 + (SIGNAL_NUMBERS[signal ?? ''] ?? 0));
    });
  });
  return {
    child,
    stdout,
    stderr,
    exited,
    stdoutBytes: () => Buffer.concat(rawOut),
    signal: (signal) => {
      if (!done) child.kill(signal);
    },
    input: (text) => {
      child.stdin!.end(text);
    },
    waitForLine(pattern, timeoutMs = 15_000, stream = 'stdout') {
      const lines = stream === 'stdout' ? stdout : stderr;
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = (): void => {
          for (; seen < lines.length; seen += 1) {
            const line = lines[seen]!;
            if (pattern.test(line)) {
              finish();
              resolve(line);
              return;
            }
          }
          if (done) {
            finish();
            reject(new Error(`exited before printing ${pattern} on ${stream}; stdout=${JSON.stringify(stdout)} stderr=${JSON.stringify(stderr)}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no ${stream} line matching ${pattern} within ${timeoutMs} ms; stdout=${JSON.stringify(stdout)} stderr=${JSON.stringify(stderr)}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs the CLI to completion. */
export async function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; server?: string; input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string; bytes: Buffer }> {
  const run = spawnCli(args, options);
  run.input(options.input ?? '');
  const code = await run.exited;
  return { code, stdout: run.stdout.join('\n'), stderr: run.stderr.join('\n'), bytes: run.stdoutBytes() };
}
