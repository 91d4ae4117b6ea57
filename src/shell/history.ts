import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stateDir } from '../server/local-server.js';

const KEEP = 1000;

/** Lines never written to disk: they carry a password. */
const SECRET = /^\s*addauth\b/;

/**
 * The shell's numbered history (zkCli's `history` and `redo n`), persisted across runs in the user's state
 * directory (the one `server start` uses), one line per entry, the newest last. Numbers run from 0 over the
 * persisted lines and this run's.
 */
export class ShellHistory {
  private readonly entries: string[] = [];

  constructor(private readonly file: string | undefined) {
    if (!file) return;
    try {
      const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
      this.entries.push(...lines.slice(-KEEP));
      // Keep the file bounded: rewrite it once it has grown to twice what we keep.
      if (lines.length > 2 * KEEP) writeFileSync(file, `${this.entries.join('\n')}\n`, { mode: 0o600 });
    } catch {
      // no history yet, or unreadable: start empty
    }
  }

  /** The history file of interactive shells for this environment. */
  static fileFor(env: NodeJS.ProcessEnv): string {
    return join(stateDir(env), 'shell_history');
  }

  get lines(): readonly string[] {
    return this.entries;
  }

  add(line: string): void {
    if (line.trim() === '') return;
    this.entries.push(line);
    if (!this.file || SECRET.test(line)) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      appendFileSync(this.file, `${line}\n`, { mode: 0o600 });
    } catch {
      // a read-only home must not break the shell
    }
  }

  /** The line numbered `n`, or undefined. */
  get(n: number): string | undefined {
    return this.entries[n];
  }

  /** The last `count` entries with their numbers. */
  recent(count = 11): Array<{ number: number; line: string }> {
    const start = Math.max(0, this.entries.length - count);
    return this.entries.slice(start).map((line, i) => ({ number: start + i, line }));
  }
}
