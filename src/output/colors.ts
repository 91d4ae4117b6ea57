/** Semantic colours. Identity functions when colour is off, so callers never branch on it. */
export interface Colors {
  /** Whether these colour at all (the spinner follows it: ora's own colour check ignores NO_COLOR). */
  readonly on: boolean;
  ok(text: string): string;
  warn(text: string): string;
  error(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  accent(text: string): string;
}

const plain: Colors = { on: false, ok: (t) => t, warn: (t) => t, error: (t) => t, dim: (t) => t, bold: (t) => t, accent: (t) => t };

/**
 * Colour only for a TTY, never with NO_COLOR or --no-color, always with FORCE_COLOR. chalk is loaded only
 * when colour will show, so pipelines and CI pay nothing for it.
 */
export async function createColors(options: { enabled: boolean | undefined; isTTY: boolean; env: NodeJS.ProcessEnv }): Promise<Colors> {
  const forced = options.env.FORCE_COLOR !== undefined && options.env.FORCE_COLOR !== '0';
  const noColor = options.env.NO_COLOR !== undefined && options.env.NO_COLOR !== '';
  const on = options.enabled !== false && !noColor && (forced || options.isTTY);
  if (!on) return plain;
  const Chalk = await (await import('./terminal-libraries.js')).loadChalk();
  const chalk = new Chalk({ level: 1 });
  return {
    on: true,
    ok: (t) => chalk.green(t),
    warn: (t) => chalk.yellow(t),
    error: (t) => chalk.red(t),
    dim: (t) => chalk.dim(t),
    bold: (t) => chalk.bold(t),
    accent: (t) => chalk.cyan(t),
  };
}

export const noColors = plain;
