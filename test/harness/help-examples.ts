import type { Command } from 'commander';
import { main, registerAll } from '../../src/cli/main.js';
import { createProgram } from '../../src/cli/program.js';
import { captureIo } from './capture-io.js';

/** Every command path of the CLI, hidden ones (zkCli's words) included: `[]` is the root. */
export async function commandPaths(): Promise<string[][]> {
  const { program, app } = createProgram(captureIo({}).io, []);
  await registerAll(program, app);
  const paths: string[][] = [[]];
  const walk = (command: Command, prefix: string[]): void => {
    for (const sub of command.commands) {
      if (sub.name() === 'help') continue;
      const path = [...prefix, sub.name()];
      paths.push(path);
      walk(sub, path);
    }
  };
  walk(program, []);
  return paths;
}

export async function helpOf(path: string[]): Promise<string> {
  const captured = captureIo({});
  await main([...path, '--help'], captured.io);
  return captured.out();
}

/** `# comment` at the end of a line, outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i += 1;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i += 1;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

/** The lines of every `Examples:` block of a help text (indented lines up to a blank line), comments stripped. */
export function examplesIn(help: string): string[] {
  const examples: string[] = [];
  let inside = false;
  for (const line of help.split('\n')) {
    if (/^Examples:\s*$/.test(line)) {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (!/^\s{2}\S/.test(line)) {
      inside = false;
      continue;
    }
    examples.push(stripComment(line.trim()));
  }
  return examples;
}
