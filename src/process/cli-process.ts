import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import { shellStatus } from './child.js';

/** The zk-coord bin of this installation (bin/ beside dist/). */
export const ZK_COORD_BIN = fileURLToPath(new URL('../../bin/zk-coord.cjs', import.meta.url));

/**
 * A zk-coord process we started (the demo's instances, the tests' CLI runs): its output as lines, waits for
 * a line, signals, and its exit status (128 + signal number when killed, as a shell reports it).
 */
export class CliProcess {
  readonly child: ChildProcess;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number>;
  private readonly rawOut: Buffer[] = [];
  private readonly listeners = new Set<() => void>();
  private done = false;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [ZK_COORD_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.collect(this.child.stdout!, this.stdout, this.rawOut);
    this.collect(this.child.stderr!, this.stderr);
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.done = true;
        this.notify();
        resolve(shellStatus(code, signal));
      });
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private collect(stream: NodeJS.ReadableStream, into: string[], raw?: Buffer[]): void {
    let partial = '';
    const decoder = new StringDecoder('utf8');
    stream.on('data', (bytes: Buffer) => {
      raw?.push(bytes);
      partial += decoder.write(bytes);
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      into.push(...lines);
      this.notify();
    });
    stream.on('end', () => {
      partial += decoder.end();
      if (partial) into.push(partial);
      partial = '';
      this.notify();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  /** Exactly the bytes written to stdout so far. */
  stdoutBytes(): Buffer {
    return Buffer.concat(this.rawOut);
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.done) this.child.kill(signal);
  }

  /** Writes and closes stdin. */
  input(text: string): void {
    this.child.stdin?.end(text);
  }

  /** Resolves with the first line matching (earlier lines count too); rejects on exit or after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs = 15_000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
    const lines = stream === 'stdout' ? this.stdout : this.stderr;
    return new Promise((resolve, reject) => {
      let seen = 0;
      const describe = (): string => `stdout=${JSON.stringify(this.stdout)} stderr=${JSON.stringify(this.stderr)}`;
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      const check = (): void => {
        for (; seen < lines.length; seen += 1) {
          if (pattern.test(lines[seen]!)) {
            finish();
            resolve(lines[seen]!);
            return;
          }
        }
        if (this.done) {
          finish();
          reject(new Error(`exited before printing ${pattern} on ${stream}; ${describe()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${stream} line matching ${pattern} within ${timeoutMs} ms; ${describe()}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }
}
