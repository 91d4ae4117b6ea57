import { createInterface } from 'node:readline';
import type { Narrator } from '../demo/scenarios.js';
import type { Io } from './io.js';
import type { Printer } from './printer.js';

/**
 * The demo's voice: its narration is the demo's result, so it goes to stdout (one JSON object per line in
 * JSON mode). With `step`, it waits for Enter before each step (a TTY only).
 */
export function createNarrator(printer: Printer, io: Io, options: { step: boolean }): Narrator & { failed(text: string): void } {
  const { colors } = printer;
  let scenario = '';
  const emit = (kind: string, text: string, line: string): void => printer.result(line, { scenario, kind, text });
  return {
    scenario(title, seed) {
      scenario = title;
      printer.result(['', colors.bold(`== ${title} (seed ${seed})`)], { scenario, kind: 'scenario', text: title, seed });
    },
    async step(text) {
      if (options.step && io.stdin.isTTY) {
        io.stderr.write(colors.dim('(press Enter for the next step)'));
        const rl = createInterface({ input: io.stdin });
        await new Promise<void>((resolve) => rl.once('line', () => resolve()));
        rl.close();
      }
      emit('step', text, `${colors.accent('▶')} ${text}`);
    },
    command: (text) => emit('command', text, `    $ ${text}`),
    primitive: (text) => emit('primitive', text, colors.dim(`    zkCli: ${text}`)),
    ok: (text) => emit('ok', text, `    ${colors.ok('✔')} ${text}`),
    output: (line) => emit('output', line, colors.dim(`      ${line}`)),
    failed: (text) => emit('failed', text, `    ${colors.error('✘')} ${text}`),
  };
}
