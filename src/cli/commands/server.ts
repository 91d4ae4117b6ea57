import { Option, type Command } from 'commander';
import { ExitCode, UsageError } from '../exit-codes.js';
import { isStale, listStates, listStatesByPort, nodeStatuses, overlappingPort, readState, startLocalServer, stateDir, stopLocalServer, AlreadyRunningError, NotRunningError } from '../../server/local-server.js';
import { parseEnsembleSize, parsePort, parseTickTime } from '../options.js';
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

Data survives a stop and the next start on the same port (--fresh wipes it). An ensemble's quorum and
election ports are free ports unless --quorum-port/--election-port give them; start and status print them.
A state whose processes are gone (killed by hand, a reboot) shows as "stopped"; server stop forgets it.

Examples:
  zk-coord server start                 # prints 127.0.0.1:2181
  zk-coord server start --ensemble 3    # prints 127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183
  zk-coord server start --ensemble 3 --quorum-port 2888 --election-port 3888 --fresh
  zk-coord server start --tls --port 2281   # TLS on 2281 with a throwaway CA; prints the ZK_COORD_TLS_* exports
  zk-coord server start --mtls              # mutual TLS: clients need the client certificate it prints
  zk-coord server status
  zk-coord server stop

--tls/--mtls: ZooKeeper's secureClientPort with the Netty connection factory (the quorum stays plain), a
throwaway CA, server and client certificate made with openssl in <data-dir>/tls. Needs openssl and, with
Debian's package, libnetty-java (a dependency of zookeeper: already there when zookeeper is). Each server
also keeps a plain client port on 127.0.0.1 (server status shows it) for four-letter-word probes.`,
    );

  subcommand(server, 'start', 'start ZooKeeper in the background; returns once it serves and prints the connection string (--tls, --mtls: see server --help)')
    .option('--port <port>', 'client port (an ensemble uses port, port+1, port+2)', parsePort, 2181)
    .option('--ensemble <n>', 'number of servers: 1 (standalone), or 3, 5, 7 (an ensemble on loopback; an even number tolerates no more failures)', parseEnsembleSize, 1)
    .option('--quorum-port <port>', 'an ensemble\'s first quorum (peer) port: servers use port, port+1, … (default: free ports)', parsePort)
    .option('--election-port <port>', 'an ensemble\'s first leader-election port (default: free ports)', parsePort)
    .option('--fresh', 'wipe the data and logs of an earlier server on this port first')
    .option('--data-dir <dir>', 'where data and logs go (default: in the state directory)')
    .addOption(new Option('--tick-time <duration>', 'ZooKeeper tickTime (bare number: ms); sessions may last 2 to 20 ticks').argParser(parseTickTime).default(2000, '2s'))
    // --tls is the global option (hidden after a subcommand): given after `start` it means serve TLS.
    .option('--mtls', 'like --tls, and require a client certificate (mutual TLS)')
    .addHelpText('after', '\nExamples:\n  zk-coord server start\n  zk-coord server start --fresh   # data of the last server on 2181 wiped first\n  zk-coord server start --port 2281 --data-dir ./zk-data')
    .action(async (opts: { port: number; ensemble: number; quorumPort?: number; electionPort?: number; fresh?: boolean; dataDir?: string; tickTime: number; tls?: boolean; mtls?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      if (opts.port + opts.ensemble - 1 > 65535) throw new UsageError(`--port ${opts.port} with --ensemble ${opts.ensemble} needs ports up to ${opts.port + opts.ensemble - 1}, past 65535`);
      const { printer } = ctx;
      if (opts.ensemble === 1 && (opts.quorumPort !== undefined || opts.electionPort !== undefined)) throw new UsageError('--quorum-port and --election-port are for an ensemble (--ensemble 3)');
      const overlap = overlappingPort(opts);
      if (overlap !== undefined) throw new UsageError(`port ${overlap} would serve twice: client, quorum and election ports (each a run of ${opts.ensemble}) must not overlap`);
      const spinner = await printer.spinner(`starting ZooKeeper on port ${opts.port}`);
      try {
        const tls = opts.tls || opts.mtls ? { mutual: opts.mtls === true } : undefined;
        const state = await startLocalServer({
          port: opts.port,
          ensemble: opts.ensemble,
          quorumPort: opts.quorumPort,
          electionPort: opts.electionPort,
          fresh: opts.fresh === true,
          dataDir: opts.dataDir,
          tickTimeMs: opts.tickTime,
          tls,
          env: ctx.io.env,
        });
        spinner.stop();
        const tlsJson = state.tls ? { tls: { mutual: state.tls.mutual, ca: state.tls.caCert, ...(state.tls.mutual ? { cert: state.tls.clientCert, key: state.tls.clientKey } : {}) } } : {};
        printer.result(state.connectString, { connectString: state.connectString, ensemble: state.ensemble, kind: state.kind, baseDir: state.baseDir, nodes: state.nodes, ...tlsJson });
        const kind = state.ensemble > 1 ? `ensemble of ${state.ensemble}` : 'standalone';
        printer.note(`ZooKeeper ${kind} serves ${state.tls ? (state.tls.mutual ? 'mutual TLS on ' : 'TLS on ') : ''}${state.connectString}; data and logs in ${state.baseDir}`);
        if (state.ensemble > 1 && state.nodes.length > 0) printer.note(`quorum ports ${state.nodes.map((n) => n.quorumPort).join(',')}; election ports ${state.nodes.map((n) => n.electionPort).join(',')}`);
        if (state.tls) {
          const exports = [`ZK_COORD_SERVER=${state.connectString}`, `ZK_COORD_TLS_CA=${state.tls.caCert}`];
          if (state.tls.mutual) exports.push(`ZK_COORD_TLS_CERT=${state.tls.clientCert}`, `ZK_COORD_TLS_KEY=${state.tls.clientKey}`);
          printer.note(`use it:\n  export ${exports.join(' \\\n    ')}\n  zk-coord claim`);
        } else {
          printer.note(`use it: zk-coord -s ${state.connectString} claim   (or export ZK_COORD_SERVER=${state.connectString})`);
        }
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

  subcommand(server, 'stop', 'stop a ZooKeeper started with server start (the only one, or the one on --port, or --all) and forget its state; its data stays unless the next start has --fresh')
    .option('--port <port>', 'its client port (needed when several run)', parsePort)
    .option('--all', 'stop every ZooKeeper started by zk-coord')
    .addHelpText('after', '\nExamples:\n  zk-coord server stop\n  zk-coord server stop --port 2281')
    .action(async (opts: { port?: number; all?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      if (opts.port !== undefined && opts.all) throw new UsageError('give --port or --all, not both');
      let ports: number[];
      if (opts.port !== undefined) {
        ports = [opts.port];
      } else {
        const running = listStatesByPort(stateDir(ctx.io.env));
        if (running.length === 0) {
          ctx.printer.error('no ZooKeeper started by zk-coord', ExitCode.NotFound);
          ctx.exitCode = ExitCode.NotFound;
          return;
        }
        if (running.length > 1 && !opts.all) {
          const list = running.map(([port, state]) => `--port ${port} (${state.connectString})`).join(', ');
          throw new UsageError(`${running.length} ZooKeepers started by zk-coord run: ${list}; say which with --port, or --all`);
        }
        ports = running.map(([port]) => port);
      }
      for (const port of ports) {
        try {
          const known = readState(stateDir(ctx.io.env), port);
          const stale = known !== undefined && isStale(known);
          const state = await stopLocalServer(port, ctx.io.env);
          if (ctx.printer.json) ctx.printer.result([], { stopped: state.connectString, port, wasRunning: !stale });
          else ctx.printer.note(stale ? `ZooKeeper ${state.connectString} was no longer running; forgot its state` : `stopped ZooKeeper ${state.connectString}`);
        } catch (error) {
          if (error instanceof NotRunningError) {
            ctx.printer.error(error.message, ExitCode.NotFound);
            ctx.exitCode = ExitCode.NotFound;
            continue;
          }
          throw error;
        }
      }
    });

  subcommand(server, 'status', 'servers started with server start: pid, ports, mode of each server, data dir, log file')
    .option('--port <port>', 'only the one on this client port', parsePort)
    .addHelpText('after', '\nExamples:\n  zk-coord server status\n  zk-coord server status --port 2181 -o json | jq \'.nodes[].mode\'')
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
        const stale = isStale(state);
        const firstPort = Number(/:(\d+)/.exec(state.connectString)?.[1]);
        if (ctx.printer.json) {
          ctx.printer.result([], { connectString: state.connectString, kind: state.kind, startedAt: state.startedAt, stale, nodes });
          continue;
        }
        const ports = (n: (typeof nodes)[number]): string =>
          [n.secureClientPort !== undefined ? `tls port ${n.secureClientPort}  plain port ${n.clientPort}` : `port ${n.clientPort}`, ...(n.quorumPort ? [`quorum ${n.quorumPort}  election ${n.electionPort}`] : [])].join('  ');
        const condition = (n: (typeof nodes)[number]): string => (!n.running ? 'stopped' : n.foreign ? `${n.mode ?? 'running'} (another user's)` : (n.mode ?? 'not serving'));
        ctx.printer.result(
          [
            `${state.connectString}  (${state.kind}, started ${state.startedAt})${stale ? `  stopped: its processes are gone; zk-coord server stop --port ${firstPort} forgets it` : ''}`,
            ...nodes.map((n) => `  server.${n.id}  ${ports(n)}  pid ${n.pid}  ${condition(n)}  data ${n.dataDir}  log ${n.logFile}`),
          ],
          null,
        );
      }
    });
}
