import type { Command } from 'commander';
import { probeServers } from '../../recipes/ensemble-status.js';
import { hex, parseConnectionString } from '../../zk/index.js';
import { ExitCode } from '../exit-codes.js';
import { subcommand, type App } from '../program.js';

export function registerStatus(program: Command, app: App): void {
  subcommand(program, 'status', 'each server of the connection string: reachable, mode (leader/follower/standalone), zxid, connections, latency; and our session')
    .addHelpText('after', '\nExamples:\n  zk-coord status -s 127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183\n  zk-coord status -o json | jq \'.servers[] | select(.mode == "leader")\'')
    .action(async () => {
      const ctx = app.context();
      ctx.noChildArgs();
      const { printer, globals } = ctx;
      const connection = parseConnectionString(globals.server);
      const reports = await probeServers(connection.servers);
      let session: { id: string; timeoutMs: number; server: string | undefined } | undefined;
      let sessionError: string | undefined;
      if (reports.some((r) => r.reachable)) {
        try {
          const client = await ctx.connect();
          session = { id: client.sessionIdHex, timeoutMs: client.sessionTimeoutMs, server: client.server };
          await ctx.release(client);
        } catch (error) {
          sessionError = (error as Error).message;
        }
      }
      if (printer.json) {
        printer.result([], {
          servers: reports.map((r) => ({ ...r, zxid: r.zxid === undefined ? null : hex(r.zxid), latencyMs: r.latencyMs === undefined ? null : Number(r.latencyMs.toFixed(2)) })),
          session: session ?? null,
          ...(sessionError ? { sessionError } : {}),
        });
      } else {
        const width = Math.max(...reports.map((r) => r.server.length));
        const lines = reports.map((r) => {
          const head = r.server.padEnd(width);
          if (!r.reachable) return `${head}  ${printer.colors.error('unreachable')} (${r.note})`;
          if (!r.mode) return `${head}  ${printer.colors.warn('reachable')}  ${r.note ?? ''}  latency ${r.latencyMs?.toFixed(1)} ms`;
          const mode = r.mode === 'leader' ? printer.colors.accent(r.mode) : r.mode;
          return `${head}  ${mode.padEnd(10)}  zxid ${hex(r.zxid ?? 0n)}  connections ${r.connections ?? '?'}  latency ${r.latencyMs?.toFixed(1)} ms  ${r.version ?? ''}`.trimEnd();
        });
        lines.push(session ? `session ${session.id}  timeout ${session.timeoutMs} ms  via ${session.server}` : `session none (${sessionError ?? 'no server reachable'})`);
        printer.result(lines, null);
      }
      if (!session) ctx.exitCode = ExitCode.Connect;
    });
}
