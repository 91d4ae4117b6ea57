import { constants, accessSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BadVersionError, parentOf, type ZkClient } from '../zk/index.js';

/**
 * Errors that name the fix: the recipes' and the connection layer's typed errors say what happened; the
 * command that knows what the user asked for adds how to get there. The error keeps its class (and so its
 * exit code); only its message grows.
 */
export function withHint<E extends Error>(error: E, hint: string): E {
  error.message = `${error.message}: ${hint}`;
  return error;
}

/** A version mismatch, with the version the node is at now (what the next --version should be). */
export async function explainBadVersion(client: ZkClient, path: string, error: unknown, flag = '--version'): Promise<never> {
  if (!(error instanceof BadVersionError)) throw error;
  const stat = await client.exists(path).catch(() => null);
  throw withHint(error, stat ? `the node is at version ${stat.version} now (re-read it, then ${flag} ${stat.version})` : 'the node is gone now');
}

/** The missing parent of a write without -p, named with the fix. */
export function missingParentHint(path: string): string {
  return `its parent ${parentOf(path)} does not exist: add -p (--parents) to create missing parents`;
}

/**
 * Why a command given after `--` cannot run, checked before anything is held (so nothing is claimed for a
 * typo): 127 not found, 126 not executable, as a shell reports them. undefined when it can run.
 */
export function unrunnable(argv0: string, env: NodeJS.ProcessEnv): { status: 126 | 127; message: string } | undefined {
  const candidates = argv0.includes('/') ? [argv0] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, argv0));
  let found: string | undefined;
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue;
    }
    found = file;
    try {
      accessSync(file, constants.X_OK);
      return undefined;
    } catch {
      // not executable: keep looking along PATH, as a shell does
    }
  }
  if (found) return { status: 126, message: `${argv0} is not executable: chmod +x ${found} (or run it with its interpreter: -- sh ${argv0})` };
  if (argv0.includes('/')) return { status: 127, message: `${argv0}: no such file (nothing was held)` };
  return { status: 127, message: `${argv0}: command not found on PATH (nothing was held)` };
}
