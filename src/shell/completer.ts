import { joinPath } from '../zk/index.js';
import { SHELL_COMMANDS, findCommand } from './commands.js';

/** Children of a znode, or undefined when they cannot be had quickly (no server, no node). */
export type ChildLister = (parent: string) => Promise<string[] | undefined>;

/**
 * Tab in the shell: command names, a command's flags and subcommands, and znode paths (the children of the
 * typed parent, asked of the server and kept `ttlMs`, so Tab Tab does not ask twice).
 */
export class ShellCompleter {
  private readonly cache = new Map<string, { at: number; children: string[] }>();

  constructor(
    private readonly list: ChildLister,
    private readonly ttlMs = 2000,
  ) {}

  /** Candidates for the last word of `line` (the line up to the cursor), and that word. */
  async complete(line: string): Promise<[string[], string]> {
    const words = line.trimStart().split(/\s+/);
    const partial = words[words.length - 1] ?? '';
    if (words.length <= 1) {
      const names = SHELL_COMMANDS.map((c) => c.name).filter((n) => n.startsWith(partial));
      return [names.length === 1 ? [`${names[0]} `] : names, partial];
    }
    const command = findCommand(words[0] as string);
    if (!command) return [[], partial];
    if (command.subcommands && words.length === 2) {
      const subs = command.subcommands.filter((s) => s.startsWith(partial));
      return [subs.length === 1 ? [`${subs[0]} `] : subs, partial];
    }
    if (partial.startsWith('-')) {
      const flags = Object.values(command.options)
        .map((o) => (o.short ? `-${o.short}` : undefined))
        .filter((f): f is string => f !== undefined && f.startsWith(partial));
      return [flags, partial];
    }
    if (command.pathArgs.length === 0 || (partial !== '' && !partial.startsWith('/'))) return [[], partial];
    return [await this.paths(partial), partial];
  }

  /** Znode paths that complete `partial` (`/con` → `/config`; `/config/` → its children). */
  async paths(partial: string): Promise<string[]> {
    const slash = partial.lastIndexOf('/');
    const parent = slash <= 0 ? '/' : partial.slice(0, slash);
    const prefix = partial.slice(slash + 1);
    const children = await this.children(parent);
    return children.filter((c) => c.startsWith(prefix)).map((c) => joinPath(parent, c));
  }

  private async children(parent: string): Promise<string[]> {
    const cached = this.cache.get(parent);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.children;
    const children = (await this.list(parent)) ?? [];
    this.cache.set(parent, { at: Date.now(), children });
    return children;
  }
}
