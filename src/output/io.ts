import type { Readable, Writable } from 'node:stream';

/** The process's streams and environment, injected so tests can capture what a command writes. */
export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // process.stdin is built on first access (a file stdin loads fs streams and readline, a pipe a socket):
    // only commands that read it or prompt should pay for that.
    get stdin() {
      return process.stdin;
    },
    env: process.env,
  };
}
