import type { Io } from './io.js';

/** Prompts only ever run on a TTY; callers check `canPrompt` first and otherwise need a flag. */
export function canPrompt(io: Io): boolean {
  return io.stdin.isTTY === true && io.stderr.isTTY === true;
}

export class PromptCancelledError extends Error {
  override name = 'PromptCancelledError';
  constructor() {
    super('cancelled');
  }
}

async function guarded<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    // Ctrl+C at a prompt is a quiet cancel, not a crash.
    if (error instanceof Error && error.name === 'ExitPromptError') throw new PromptCancelledError();
    throw error;
  }
}

/** Asks yes/no on stderr (so stdout stays clean); the prompts load only when one shows. */
export async function confirm(io: Io, message: string): Promise<boolean> {
  const { confirm: ask } = await (await import('./terminal-libraries.js')).loadPrompts();
  return guarded(() => ask({ message, default: false }, { input: io.stdin, output: io.stderr }));
}

export async function askValue(io: Io, message: string): Promise<string> {
  const { input } = await (await import('./terminal-libraries.js')).loadPrompts();
  return guarded(() => input({ message }, { input: io.stdin, output: io.stderr }));
}
