import { PassThrough } from 'node:stream';
import type { Io } from '../../src/output/io.js';

/** An Io whose stdout and stderr are captured as text, with an empty, closed stdin. */
export function captureIo(env: NodeJS.ProcessEnv = {}): { io: Io; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const stdin = new PassThrough();
  stdin.end();
  return { io: { stdout, stderr, stdin, env }, out: () => out, err: () => err };
}
