import { createInterface } from 'node:readline';
import type { Io } from './io.js';
import type { Printer } from './printer.js';

/** What a demo scenario says as it plays (the demo's voice); printed here, played in src/demo/. */
export interface Narrator {
  /** `seed`: the seed the scenario plays (e.g. '000: …'); or, with `source`, where else it comes from (an issue). */
  scenario(title: string, seed: string, source?: string): void;
  step(text: string): Promise<void>;
  command(text: string): void;
  primitive(text: string): void;
  ok(text: string): void;
  output(line: string): void;
}

/**
 * The demo's voice: its narration is the demo's result, so it goes to stdout (one JSON object per line in
 * JSON mode). With `step`, it waits for Enter before each step (a TTY only).
 */
export function createNarrator(printer: Printer, io: Io, options: { step: boolean }): Narrator & { failed(text: string): void } {
  // The narration is stdout's; only the Enter prompt is stderr's.
  const colors = printer.resultColors;
  let scenario = '';
  const emit = (kind: string, text: string, line: string): void => printer.result(line, { scenario, kind, text });
  return {
    scenario(title, seed, source) {
      scenario = title;
      const origin = source ? `${source}: ${seed}` : `seed ${seed}`;
      printer.result(['', colors.bold(`== ${title} (${origin})`)], { scenario, kind: 'scenario', text: title, ...(source ? { source: origin } : { seed }) });
    },
    async step(text) {
      if (options.step && io.stdin.isTTY) {
        io.stderr.write(printer.colors.dim('(press Enter for the next step)'));
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
