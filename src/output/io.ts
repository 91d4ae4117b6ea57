import type { Readable, Writable } from 'node:stream';

/** The process's streams and environment, injected so tests can capture what a command writes. */
export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/**
 * What a broken stdout/stderr means for this process: set by the bin's stream error handlers and by holders.
 * Writes to a broken stream are dropped (Printer checks), never retried.
 */
export const outputPolicy = {
  /** A holder is running: a closed stdout must not end it (see run.ts). */
  holding: false,
  stdoutBroken: false,
  stderrBroken: false,
};

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

/** All of stdin, as bytes (config set -, queue push, config import -). */
export async function readAllStdin(io: Io): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}
