import type { Colors } from './colors.js';
import type { Io } from './io.js';
import { Printer, type OutputFormat } from './printer.js';

/**
 * The printer of `zk-coord shell`. Text is printed as each command prints it. With `-o json`, every command
 * gives one line (NDJSON): its result objects tagged `{"command": "<line>", "ok": true, …}`, a bare
 * `{"command", "ok": true}` when it printed none, or `{"command", "ok": false, "exitCode", "error"}` when it
 * failed (the error is on stderr too). Watch events that arrive later are not tagged with whichever command
 * happens to run then: they go out through `event`.
 */
export class ShellPrinter extends Printer {
  private command: string | undefined;
  private emitted = false;
  private lastError: string | undefined;

  constructor(io: Io, format: OutputFormat, colors: Colors, quiet: boolean) {
    super(io, format, colors, quiet);
  }

  /** A command line starts. */
  begin(command: string): void {
    this.command = command;
    this.emitted = false;
    this.lastError = undefined;
  }

  /** The command ended with this exit code. */
  end(exitCode: number): void {
    const command = this.command;
    this.command = undefined;
    if (!this.json || command === undefined) return;
    if (exitCode !== 0) super.result([], { command, ok: false, exitCode, error: this.lastError ?? `exit code ${exitCode}` });
    else if (!this.emitted) super.result([], { command, ok: true });
  }

  override result(text: string | readonly string[], json: unknown): void {
    if (!this.json || this.command === undefined) {
      super.result(text, json);
      return;
    }
    this.emitted = true;
    const fields = json !== null && typeof json === 'object' && !Array.isArray(json) ? json : { result: json };
    super.result(text, { command: this.command, ok: true, ...fields });
  }

  /** Something that happened on its own (a watch firing), not the result of the running command. */
  event(text: string | readonly string[], json: unknown): void {
    super.result(text, json);
  }

  override error(text: string, exitCode?: number): void {
    this.lastError = text;
    super.error(text, exitCode);
  }
}
