import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DemoStepError, SCENARIOS, type ScenarioName } from '../../demo/scenarios.js';
import { createNarrator } from '../../output/narrator.js';
import { launchEnsemble, stopNodeAndWait, type LaunchedEnsemble } from '../../server/launcher.js';
import { startLocalServer } from '../../server/local-server.js';
import { probeServers } from '../../zk/ensemble-status.js';
import { ZkClient, parseConnectionString } from '../../zk/index.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { SECURITY_ENV_NAMES } from '../security.js';
import { subcommand, type App } from '../program.js';

export function registerDemo(program: Command, app: App): void {
  subcommand(program, 'demo', "play the seeds' scenarios with real zk-coord processes: claim, elect, config, discovery, barrier, queue, or all")
    .argument('[scenario]', 'claim | elect | config | discovery | barrier | queue | all', 'all')
    .option('--keep', 'leave the local ZooKeeper it started running (on port 2181) afterwards')
    .option('--step', 'wait for Enter before each step (on a terminal)')
    .addHelpText(
      'after',
      `
Uses the server given with -s (or ZK_COORD_SERVER) when one answers; otherwise starts a local ZooKeeper for the
demo and stops it afterwards (unless --keep). Everything it creates lives under /zk-coord-demo-<id> and is
removed at the end. Exits 0 when every step behaved as narrated, 1 otherwise.

Examples:
  zk-coord demo config           # one scenario; zk-coord demo plays them all
  zk-coord demo elect --step`,
    )
    .action(async (scenario: string, opts: { keep?: boolean; step?: boolean }) => {
      const ctx = app.context();
      ctx.noChildArgs();
      ctx.holdSignals();
      const names: ScenarioName[] = scenario === 'all' ? ['claim', 'elect', 'config', 'discovery', 'barrier', 'queue'] : [scenario as ScenarioName];
      if (!names.every((n) => n in SCENARIOS)) throw new UsageError(`unknown scenario "${scenario}": claim, elect, config, discovery, barrier, queue or all`);
      const { printer } = ctx;
      let server = ctx.globals.server;
      let started: LaunchedEnsemble | undefined;
      let scratch: string | undefined;
      const reachable = (await probeServers(parseConnectionString(server).servers, 1000, ctx.globals.tls)).some((r) => r.reachable && r.mode);
      if (!reachable) {
        const spinner = await printer.spinner('no ZooKeeper answers; starting a local one');
        printer.note(`no ZooKeeper answers at ${server}; starting a local one for the demo`);
        try {
          if (opts.keep) {
            server = (await startLocalServer({ port: 2181, ensemble: 1, env: ctx.io.env })).connectString;
          } else {
            scratch = mkdtempSync(join(tmpdir(), 'zk-coord-demo-'));
            started = await launchEnsemble({ size: 1, baseDir: scratch, ownerPid: process.pid });
            server = started.connectString;
          }
        } finally {
          spinner.stop();
        }
        printer.note(`ZooKeeper serves ${server}`);
      }
      const root = `/zk-coord-demo-${randomUUID().slice(0, 8)}`;
      const say = createNarrator(printer, ctx.io, { step: opts.step === true });
      // The scenarios' zk-coord processes reach the server as we do (TLS flags as ZK_COORD_TLS_* paths); a
      // local server started here is plain.
      const env: NodeJS.ProcessEnv = { ...ctx.io.env, ...(reachable ? ctx.globals.securityEnv : {}) };
      if (!reachable) for (const name of SECURITY_ENV_NAMES) delete env[name];
      try {
        for (const name of names) {
          if (ctx.stop.signal.aborted) break;
          await SCENARIOS[name]({ server, root, env }, say);
        }
        if (!ctx.stop.signal.aborted) printer.result(['', printer.resultColors.ok('Every step behaved as narrated.')], { kind: 'done', ok: true });
      } catch (error) {
        if (!(error instanceof DemoStepError)) throw error;
        say.failed(error.message);
        printer.error(`demo step did not behave as narrated: ${error.message}`);
        ctx.exitCode = ExitCode.Internal;
      } finally {
        // Clean up our znodes, then the server we started.
        const cleanup = await ZkClient.connect({ connectString: server, connectTimeoutMs: 5000 }).catch(() => undefined);
        await cleanup?.removeTree(root).catch(() => undefined);
        await cleanup?.close();
        for (const node of started?.nodes ?? []) await stopNodeAndWait(node);
        if (scratch) rmSync(scratch, { recursive: true, force: true });
        if (opts.keep && !reachable) printer.note(`left ZooKeeper running at ${server}; stop it with: zk-coord server stop`);
      }
    });
}
