import { Argument, type Command, type Option } from 'commander';
import { completionScript, type CompletionShell } from '../../output/completion-scripts.js';
import { ShellCompleter } from '../../shell/completer.js';
import { ZkClient, parseConnectionString } from '../../zk/index.js';
import { fourLetterWord } from '../../zk/four-letter.js';
import { UsageError } from '../exit-codes.js';
import { registerAll } from '../main.js';
import { createProgram, subcommand, type App } from '../program.js';
import { POINTERS } from './zkcli-words.js';

/** A completion must never keep the user waiting: a server that does not answer within this offers nothing. */
const LOOKUP_TIMEOUT_MS = 400;

const SHELLS: readonly CompletionShell[] = ['bash', 'zsh', 'fish'];

function optionWords(command: Command): string[] {
  return command.options.filter((o: Option) => !o.hidden).flatMap((o: Option) => [o.long, o.short].filter((w): w is string => w !== undefined));
}

function takesValue(command: Command, word: string): boolean {
  const option = command.options.find((o: Option) => o.long === word || o.short === word);
  return option !== undefined && (option.required || option.optional);
}

/** The connection string the line itself names (`-s`/`--server` before the subcommand), else the environment's. */
function serverOf(words: readonly string[], env: NodeJS.ProcessEnv): string {
  for (let i = 0; i < words.length - 1; i += 1) {
    const w = words[i] as string;
    if (w === '-s' || w === '--server') return words[i + 1] as string;
    if (w.startsWith('--server=')) return w.slice('--server='.length);
    if (!w.startsWith('-')) break;
  }
  return env.ZK_COORD_SERVER || '127.0.0.1:2181';
}

/** Candidates for the last of `words` (the line after the program name; the last one is being typed, maybe empty). */
async function candidates(root: Command, words: readonly string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const current = words[words.length - 1] ?? '';
  let command = root;
  let positionals = 0;
  for (let i = 0; i < words.length - 1; i += 1) {
    const w = words[i] as string;
    if (w === '--') return [];
    if (w.startsWith('-')) {
      // The command's own options decide: -s takes the server after a zk-coord command, is a flag after `ls`.
      if (!w.includes('=') && takesValue(command, w)) i += 1;
      if (i >= words.length - 1) return []; // the value of an option is being typed: the shell's default applies
      continue;
    }
    const sub = command.commands.find((c) => c.name() === w);
    if (sub && positionals === 0) command = sub;
    else positionals += 1;
  }
  if (current.startsWith('-')) return optionWords(command).filter((o) => o.startsWith(current));
  if (command.commands.length > 0 && positionals === 0) {
    // zkCli's words are offered (they run); the pointers (`watch` → config watch) are not.
    return command.commands.map((c) => c.name()).filter((n) => n.startsWith(current) && !(command === root && n in POINTERS));
  }
  const argument: Argument | undefined = command.registeredArguments[positionals];
  const isPath = argument !== undefined && /path|parent/.test(argument.name());
  if (!isPath || (current !== '' && !current.startsWith('/'))) return [];
  let client: ZkClient | undefined;
  try {
    const connectString = serverOf(words, env);
    // Where nothing listens, a refused TCP connect says so at once: no waiting out the connect timeout.
    const servers = parseConnectionString(connectString).servers;
    await Promise.any(servers.map((s) => fourLetterWord(s.host, s.port, 'ruok', LOOKUP_TIMEOUT_MS)));
    client = await ZkClient.connect({
      connectString,
      connectTimeoutMs: LOOKUP_TIMEOUT_MS,
      requestTimeoutMs: LOOKUP_TIMEOUT_MS,
      ...(env.ZK_COORD_AUTH ? { digestAuth: env.ZK_COORD_AUTH } : {}),
    });
    const connected = client;
    return await new ShellCompleter(async (parent) => (await connected.getChildren(parent)).children).paths(current);
  } catch {
    return [];
  } finally {
    await client?.close();
  }
}

export function registerCompletion(program: Command, app: App): void {
  const completion = subcommand(program, 'completion', 'print a completion script for bash, zsh or fish (subcommands, options, znode paths)')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText(
      'after',
      [
        '',
        'Install:',
        '  bash   echo \'source <(zk-coord completion bash)\' >> ~/.bashrc',
        '  zsh    echo \'source <(zk-coord completion zsh)\' >> ~/.zshrc     (after compinit)',
        '  fish   zk-coord completion fish > ~/.config/fish/completions/zk-coord.fish',
        '',
        'Znode paths are asked of the server (ZK_COORD_SERVER, or -s on the line) with a short timeout;',
        'when none answers, nothing is offered and nothing waits.',
        '',
        'Examples:',
        '  source <(zk-coord completion bash)',
        '  zk-coord completion fish > zk-coord.fish',
      ].join('\n'),
    )
    .action((shell: string) => {
      const ctx = app.context();
      ctx.noChildArgs();
      if (!SHELLS.includes(shell as CompletionShell)) throw new UsageError(`unknown shell "${shell}": expected ${SHELLS.join(', ')}`);
      ctx.printer.bytes(Buffer.from(completionScript(shell as CompletionShell)));
    });

  // What the scripts call on every Tab: `zk-coord completion complete -- <words after the program name>`.
  completion
    .command('complete', { hidden: true })
    .description('candidates for the last word (used by the completion scripts)')
    .action(async () => {
      const ctx = app.context();
      const { program: root } = createProgram(ctx.io, []);
      await registerAll(root, app);
      const found = await candidates(root, ctx.childArgv, ctx.io.env);
      if (found.length > 0) ctx.printer.result(found, { candidates: found });
    });
}
