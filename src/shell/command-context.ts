import { CommandContext } from '../cli/context.js';
import type { Io } from '../output/io.js';
import type { Printer } from '../output/printer.js';
import type { StopSignals } from '../process/signals.js';
import type { GlobalOptions } from '../cli/context.js';
import type { ZkClient } from '../zk/index.js';
import type { ShellSession } from './session.js';

/**
 * The context zk-coord's own commands (`config get`, `config watch`, `ls -w`) get inside the shell: the
 * shell's session instead of a new one, never closed when the command ends, and Ctrl+C of the shell (not the
 * process's SIGINT) as their stop signal, so a stream ends and the prompt comes back.
 */
export class ShellCommandContext extends CommandContext {
  constructor(
    io: Io,
    globals: GlobalOptions,
    printer: Printer,
    childArgv: readonly string[],
    private readonly session: ShellSession,
    private readonly interrupted: AbortController,
  ) {
    super(io, globals, printer, childArgv);
  }

  override get stop(): StopSignals {
    const controller = this.interrupted;
    return {
      signal: controller.signal,
      get received() {
        return controller.signal.aborted ? (controller.signal.reason as NodeJS.Signals) : undefined;
      },
      trigger: (name) => controller.abort(name),
      dispose: () => {},
    };
  }

  /** The shell already turns Ctrl+C, SIGINT and SIGTERM into `stop`: no process handlers of the command's own. */
  override holdSignals(): void {}

  override connect(): Promise<ZkClient> {
    return this.session.ready();
  }

  /** A lost session is replaced by the shell's (`connect` again); the shell closes its own at the end. */
  override async release(): Promise<void> {}

  override async dispose(): Promise<void> {}
}
