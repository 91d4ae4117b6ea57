import type { Command } from 'commander';
import { probeServers, type ServerReport } from '../../zk/ensemble-status.js';
import { formatDuration } from '../options.js';
import { hex, parseConnectionString } from '../../zk/index.js';
import { ExitCode } from '../exit-codes.js';
import { subcommand, type App } from '../program.js';

/** A server counts as up when it serves requests (a mode), or answers with four-letter words disabled. */
function isUp(report: ServerReport): boolean {
  return report.reachable && (report.mode !== undefined || /four-letter words are disabled/.test(report.note ?? ''));
}

/** The health verdict and its exit code: ok 0, degraded 9, down 3 (--quorum: a majority up is ok). */
export function statusVerdict(reports: readonly ServerReport[], session: boolean, quorum: boolean): { health: 'ok' | 'degraded' | 'down'; code: number } {
  const up = reports.filter(isUp).length;
  if (!session || up === 0) return { health: 'down', code: ExitCode.Connect };
  if (up === reports.length || (quorum && up > reports.length / 2)) return { health: 'ok', code: ExitCode.Ok };
  return { health: 'degraded', code: ExitCode.Degraded };
}

export function registerStatus(program: Command, app: App): void {
  subcommand(program, 'status', 'each server of the connection string: reachable, mode (leader/follower/standalone), zxid, connections, latency; and our session')
    .option('--quorum', 'exit 0 when a majority of the servers is up (tolerates a minority down), instead of only when all are')
    .addHelpText(
      'after',
      `
A health check as it is: exit 0 when every server of the connection string is up (serves requests) and a session
opens, 9 when some are down (degraded), 3 when none answers or no session opens. --quorum: 0 as long as a
majority is up (an ensemble of 3 with one down still serves). JSON adds health (ok, degraded, down), up, total.

Examples:
  zk-coord status -s 127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183   # an ensemble from server start --ensemble 3
  zk-coord status -o json | jq '.servers[] | select(.mode == "leader")'
  until zk-coord -q status; do sleep 1; done                        # CI: wait for every server to serve
  zk-coord status --quorum || echo "the ensemble has lost its majority"`,
    )
    .action(async (opts: { quorum?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      const { printer, globals } = ctx;
      const connection = parseConnectionString(globals.server);
      // Each server's probe: 2 s, or less when --connect-timeout asks for less (the probes run at once).
      const reports = await probeServers(connection.servers, Math.min(2000, globals.connectTimeout), globals.tls);
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
      const verdict = statusVerdict(reports, session !== undefined, opts.quorum === true);
      const up = reports.filter(isUp).length;
      if (printer.json) {
        printer.result([], {
          health: verdict.health,
          up,
          total: reports.length,
          servers: reports.map((r) => ({ ...r, zxid: r.zxid === undefined ? null : hex(r.zxid), latencyMs: r.latencyMs === undefined ? null : Number(r.latencyMs.toFixed(2)) })),
          session: session ?? null,
          ...(sessionError ? { sessionError } : {}),
        });
      } else {
        const width = Math.max(...reports.map((r) => r.server.length));
        // Padded before painted; resultColors colour only when stdout is a terminal.
        const paint = (how: 'error' | 'warn' | 'accent', text: string): string => printer.resultColors[how](text);
        const lines = reports.map((r) => {
          const head = r.server.padEnd(width);
          if (!r.reachable) return `${head}  ${paint('error', 'unreachable')} (${r.note})`;
          if (!r.mode) return `${head}  ${paint('warn', 'reachable')}  ${r.note ?? ''}  latency ${r.latencyMs?.toFixed(1)} ms`;
          const mode = r.mode === 'leader' ? paint('accent', r.mode.padEnd(10)) : r.mode.padEnd(10);
          return `${head}  ${mode}  zxid ${hex(r.zxid ?? 0n)}  connections ${r.connections ?? '?'}  latency ${r.latencyMs?.toFixed(1)} ms  ${r.version ?? ''}`.trimEnd();
        });
        lines.push(session ? `session ${session.id}  timeout ${formatDuration(session.timeoutMs)}  via ${session.server}` : `session none (${sessionError ?? 'no server reachable'})`);
        lines.push(`${verdict.health}: ${up} of ${reports.length} up${verdict.health === 'degraded' && !opts.quorum ? ' (--quorum accepts a majority)' : ''}`);
        printer.result(lines, null);
      }
      ctx.exitCode = verdict.code;
    });
}
