import type { Command } from 'commander';
import { probeServers } from '../../zk/ensemble-status.js';
import { parseConnectionString } from '../../zk/index.js';
import { subcommand, type App } from '../program.js';
import { versionInfo } from '../version-info.js';

/** How long `version` waits for a server's answer: it is information, not a health check (that is `status`). */
const PROBE_TIMEOUT_MS = 1000;

export function registerVersion(program: Command, app: App): void {
  subcommand(program, 'version', 'versions of zk-coord, Node and the client library, and of each server that answers (exit 0 either way)')
    .addHelpText('after', '\nExamples:\n  zk-coord version\n  zk-coord version -o json | jq -r .zkCoord')
    .action(async () => {
      const ctx = app.context();
      ctx.noChildArgs();
      const info = versionInfo();
      const { printer, globals } = ctx;
      const reports = await probeServers(parseConnectionString(globals.server).servers, PROBE_TIMEOUT_MS, globals.tls);
      const servers = reports.map((r) => ({ server: r.server, version: r.version ?? null, ...(r.version ? {} : { note: r.reachable ? (r.note ?? 'no version given') : `no answer (${r.note})` }) }));
      printer.result(
        [
          `zk-coord        ${info.zkCoord}`,
          `node            ${info.node}`,
          `client library  ${info.clientLibrary.name} ${info.clientLibrary.version}`,
          ...servers.map((s) => `server          ${s.server}  ${s.version ?? s.note}`),
        ],
        { ...info, servers },
      );
    });
}
