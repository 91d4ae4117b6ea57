import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/** A command to supervise: one string for `/bin/sh -c` (`--exec`), or an argv run directly (`-- cmd args`). */
export type ChildCommand = { shell: string } | { argv: string[] };

export function describeCommand(command: ChildCommand): string {
  return 'shell' in command ? command.shell : command.argv.join(' ');
}

/** Exit status as a shell reports it: the code, or 128 + the signal number. */
function statusOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal ? constants.signals[signal] : undefined;
  return 128 + (number ?? 0);
}

/**
 * A child process run while something is held (an ID, leadership, a lock). Its stdio is ours. `exited`
 * resolves with its exit status; 127 when it could not be started, like a shell.
 */
export class SupervisedChild {
  readonly exited: Promise<number>;
  private readonly child: ChildProcess;
  private done = false;
  startError: Error | undefined;

  constructor(command: ChildCommand, env: NodeJS.ProcessEnv) {
    const [file, args] = 'shell' in command ? ['/bin/sh', ['-c', command.shell]] : [command.argv[0] ?? '', command.argv.slice(1)];
    this.child = spawn(file, args, { env, stdio: 'inherit' });
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        this.startError = error;
        this.done = true;
        resolve(127);
      });
      this.child.on('exit', (code, signal) => {
        this.done = true;
        resolve(statusOf(code, signal));
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.done) this.child.kill(signal);
  }

  /** `signal` (SIGTERM unless given), then SIGKILL after `graceMs`; resolves with the exit status. */
  async terminate(graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
    if (this.done) return this.exited;
    this.signal(signal);
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const status = await this.exited;
    clearTimeout(timer);
    return status;
  }
}

/**
 * Runs a hook command per event, one at a time and in order (`config watch --exec`), so a slow hook never
 * sees events out of order. Resolves `idle()` when the queue is empty.
 */
export class HookRunner {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly command: string,
    private readonly baseEnv: NodeJS.ProcessEnv,
    private readonly onFailure: (status: number) => void,
  ) {}

  run(env: Record<string, string>): void {
    this.queue = this.queue.then(async () => {
      const status = await new SupervisedChild({ shell: this.command }, { ...this.baseEnv, ...env }).exited;
      if (status !== 0) this.onFailure(status);
    });
  }

  idle(): Promise<void> {
    return this.queue;
  }
}
