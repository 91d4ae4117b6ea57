import { split } from 'shlex';
import { UsageError } from '../cli/exit-codes.js';

/**
 * One shell line as words, quoted as in a POSIX shell ('…', "…", backslash escapes, and bash's $'…\n…'):
 * the shlex package does the quoting. A `#` that starts a word outside quotes starts a comment. `;`, `|`
 * and `>` are ordinary characters, as in zkCli, so `set /c db_host=a;db_port=1` needs no quotes. Unbalanced
 * quotes are a UsageError (the session goes on).
 */
export function splitWords(line: string): string[] {
  let words: string[];
  try {
    words = split(line);
  } catch (error) {
    throw new UsageError(`cannot parse the line: ${(error as Error).message.toLowerCase()}`);
  }
  if (!words.some((w) => w.startsWith('#'))) return words;
  // A comment starts at the first `#` at the start of a word whose line up to it splits cleanly on its own:
  // a `#` inside quotes or after a backslash leaves an unfinished quote or escape before it.
  for (let i = line.indexOf('#'); i !== -1; i = line.indexOf('#', i + 1)) {
    if (i > 0 && !/\s/.test(line[i - 1] as string)) continue;
    try {
      return split(line.slice(0, i));
    } catch {
      // inside quotes or escaped: not a comment
    }
  }
  return words;
}
