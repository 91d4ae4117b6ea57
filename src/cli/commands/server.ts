import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { listStates, nodeStatuses, readState, startLocalServer, stateDir, stopLocalServer, AlreadyRunningError, NotRunningError } from '../../server/local-server.js';
import { parsePositiveInt } from '../options.js';
import { subcommand, type App } from '../program.js';

export function registerServer(program: Command, app: App): void {
  const server = program
    .command('server')
    .description('a real local ZooKeeper in the background, for people who have none (like consul agent -dev)')
    .addHelpText(
      'after',
      `
Finds ZooKeeper and Java (ZOOKEEPER_HOME, the Debian/Ubuntu package, Homebrew); without them, uses Docker with
the project's docker-compose.yml when an engine answers. State lives in $ZK_COORD_STATE_DIR, $XDG_STATE_HOME/zk-coord
or ~/.local/state/zk-coord; server logs go to a file there.

Examples:
  zk-coord server start                 # prints 127.0.0.1:2181
  zk-coord server start --ensemble 3    # prints 127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183
  zk-coord server status
  zk-coord server stop`,
    );

  subcommand(server, 'start', 'start ZooKeeper in the background; returns once it serves and prints the connection string')
    .option('--port <port>', 'client port (an ensemble uses port, port+1, port+2)', parsePositiveInt, 2181)
    .option('--ensemble <n>', 'number of servers: 1 (standalone) or 3 (an ensemble on loopback)', parsePositiveInt, 1)
    .option('--data-dir <dir>', 'where data and logs go (default: in the state directory)')
    .option('--tick-time <ms>', 'ZooKeeper tickTime; sessions may last 2 to 20 ticks', parsePositiveInt, 2000)
    .action(async (opts: { port: number; ensemble: number; dataDir?: string; tickTime: number }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      const { printer } = ctx;
      const spinner = await printer.spinner(`starting ZooKeeper on port ${opts.port}`);
      try {
        const state = await startLocalServer({ port: opts.port, ensemble: opts.ensemble, dataDir: opts.dataDir, tickTimeMs: opts.tickTime, env: ctx.io.env });
        spinner.stop();
        printer.result(state.connectString, { connectString: state.connectString, ensemble: state.ensemble, kind: state.kind, baseDir: state.baseDir, nodes: state.nodes });
        printer.note(`ZooKeeper ${state.ensemble > 1 ? `ensemble of ${state.ensemble}` : 'standalone'} serves ${state.connectString}; data and logs in ${state.baseDir}`);
        printer.note(`use it: zk-coord -s ${state.connectString} claim   (or export ZK_COORD_SERVER=${state.connectString})`);
      } catch (error) {
        spinner.stop();
        if (error instanceof AlreadyRunningError) {
          printer.error(error.message);
          ctx.exitCode = ExitCode.Conflict;
          return;
        }
        throw error;
      }
    });

  subcommand(server, 'stop', 'stop a ZooKeeper started with server start')
    .option('--port <port>', 'its client port', parsePositiveInt, 2181)
    .action(async (opts: { port: number }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      try {
        const state = await stopLocalServer(opts.port, ctx.io.env);
        if (ctx.printer.json) ctx.printer.result([], { stopped: state.connectString });
        else ctx.printer.note(`stopped ZooKeeper ${state.connectString}`);
      } catch (error) {
        if (error instanceof NotRunningError) {
          ctx.printer.error(error.message);
          ctx.exitCode = ExitCode.NotFound;
          return;
        }
        throw error;
      }
    });

  subcommand(server, 'status', 'servers started with server start: pid, ports, mode of each server, data dir, log file')
    .option('--port <port>', 'only the one on this client port', parsePositiveInt)
    .action(async (opts: { port?: number }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      const dir = stateDir(ctx.io.env);
      const states = opts.port !== undefined ? [readState(dir, opts.port)].filter((s) => s !== undefined) : listStates(dir);
      if (states.length === 0) {
        ctx.printer.error(opts.port !== undefined ? `no ZooKeeper started by zk-coord on port ${opts.port}` : 'no ZooKeeper started by zk-coord');
        ctx.exitCode = ExitCode.NotFound;
        return;
      }
      for (const state of states) {
        const nodes = await nodeStatuses(state);
        if (ctx.printer.json) {
          ctx.printer.result([], { connectString: state.connectString, kind: state.kind, startedAt: state.startedAt, nodes });
          continue;
        }
        ctx.printer.result(
          [
            `${state.connectString}  (${state.kind}, started ${state.startedAt})`,
            ...nodes.map((n) => `  server.${n.id}  port ${n.clientPort}  pid ${n.pid}  ${n.running ? (n.mode ?? 'not serving') : 'stopped'}  data ${n.dataDir}  log ${n.logFile}`),
          ],
          null,
        );
      }
    });
}
