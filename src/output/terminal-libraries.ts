/**
 * The libraries that only ever show on a terminal: colours (chalk), spinners (ora), prompts
 * (@inquirer/prompts). The CLI bundle keeps this module, and all it imports, in a file of its own
 * (dist/cli/terminal.cjs, see scripts/bundle.mjs), so a command run from a script never reads or compiles
 * them: ~5 ms of a one-shot start-up on the benchmark machine. Each is loaded only when first used.
 */
export async function loadChalk(): Promise<typeof import('chalk').Chalk> {
  return (await import('chalk')).Chalk;
}

export async function loadOra(): Promise<typeof import('ora').default> {
  return (await import('ora')).default;
}

export function loadPrompts(): Promise<typeof import('./inquirer.js')> {
  return import('./inquirer.js');
}
