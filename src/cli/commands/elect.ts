import { hostname } from 'node:os';
import type { Command } from 'commander';
import { LeaderObserver } from '../../recipes/election.js';
import { StoppedError } from '../../recipes/errors.js';
import { escapeControl } from '../../output/escape.js';
import { SessionLostError } from '../../zk/index.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { contend } from '../contend.js';
import { followUntilStopped, reconnect } from '../follow.js';
import { parseSeconds } from '../options.js';
import { subcommand, type App } from '../program.js';

interface ElectFlags {
  exec?: string;
  observe?: boolean;
  once?: boolean;
  grace: number;
  suspendGrace?: number;
}

export function registerElect(program: Command, app: App): void {
  subcommand(program, 'elect', 'campaign for leadership (lowest ephemeral sequential node leads), or observe who leads')
    .argument('[path]', 'election znode', '/election')
    .argument('[name]', 'this candidate\'s name, stored in its node (default host:pid)')
    .option('--exec <command>', 'run this shell command only while leading (or give it after --)')
    .option('--observe', 'do not campaign: print the current leader and every change')
    .option('--once', 'after losing leadership, exit 4 instead of campaigning again')
    .option('--grace <seconds>', 'after SIGTERM, how long the command may take before SIGKILL', parseSeconds, 5000)
    .option('--suspend-grace <seconds>', 'disconnected this long, stop leading (default: a third of the session timeout)', parseSeconds)
    .addHelpText(
      'after',
      `
Each candidate creates an ephemeral sequential node <path>/candidate-<uuid>-NNNNNNNNNN holding its name and
watches only its predecessor. The lowest leads. Nodes made by hand (zkCli: create -e -s /election/candidate
"service3") take part too.

On becoming leader it prints one line on stdout (JSON: name, path, token, session); on losing it, another.
The command runs only while leading, with ZK_COORD_LEADER=1, ZK_COORD_PATH, ZK_COORD_NAME, ZK_COORD_TOKEN (a
fencing token: the leader node's creation zxid, greater for every new leader) and ZK_COORD_SESSION. Leadership
ends when the command ends (exit with its code), on SIGINT/SIGTERM (resign, exit 0), or when the session is
lost or disconnected past --suspend-grace (command stopped; campaigns again unless --once, then exit 4).

Examples:
  zk-coord elect /election service1 -- ./process.sh     # seed 001: only the leader processes
  zk-coord elect /election --observe -o json`,
    )
    .action(async (path: string, nameArg: string | undefined, flags: ElectFlags) => {
      const ctx = app.context();
      ctx.holdSignals();
      const { printer } = ctx;
      const name = nameArg ?? `${hostname()}:${process.pid}`;
      let client = await ctx.connect();
      if (flags.observe) {
        if (nameArg !== undefined || flags.exec || ctx.childArgv.length > 0) throw new UsageError('--observe takes no name and no command');
        const observer = new LeaderObserver(client, path);
        observer.on('leader', (view) => {
          if (view.name === undefined) printer.result(`no leader`, { event: 'leader', path: null, name: null, token: null });
          else printer.result(`leader ${escapeControl(view.name)}  ${view.path}  token ${view.token}`, { event: 'leader', name: view.name, path: view.path, token: view.token?.toString(), contenders: view.contenders });
        });
        await observer.start();
        await followUntilStopped(ctx, client, observer);
        return;
      }
      const command = ctx.childCommand(flags.exec);
      const suspendGraceMs = flags.suspendGrace ?? Math.floor(ctx.globals.sessionTimeout / 3);
      for (;;) {
        try {
          const { outcome, turn } = await contend(ctx, client, {
            parent: path,
            prefix: 'candidate-',
            name,
            slots: 1,
            what: `leadership of ${path}`,
            command,
            graceMs: flags.grace,
            suspendGraceMs,
            onEntered: (c) => printer.note(`candidate ${c.node?.path} (${name})`),
            onWaiting: (info) =>
              printer.note(
                `following ${escapeControl(info.predecessorData ?? '?')} (${info.predecessor?.name}); leader is ${escapeControl(info.headData ?? '?')} (${info.head.name})`,
              ),
            onAcquired: (t, c) =>
              printer.result(`leader ${escapeControl(name)}  ${c.node?.path}  token ${t.token}`, {
                event: 'elected',
                name,
                path: c.node?.path,
                token: t.token.toString(),
                session: client.sessionIdHex,
              }),
            env: (t) => ({
              ZK_COORD_LEADER: '1',
              ZK_COORD_PATH: path,
              ZK_COORD_NAME: name,
              ZK_COORD_TOKEN: t.token.toString(),
              ZK_COORD_SESSION: client.sessionIdHex,
            }),
          });
          if (outcome.kind === 'stopped') {
            printer.note(`resigned leadership of ${path}`);
            ctx.exitCode = ExitCode.Ok;
            return;
          }
          if (outcome.kind === 'child-exited') {
            printer.note(`command exited with ${outcome.status}; resigned leadership of ${path}`);
            ctx.exitCode = outcome.status;
            return;
          }
          printer.result(`lost ${escapeControl(name)}  token ${turn.token}`, { event: 'lost', name, path, token: turn.token.toString(), reason: outcome.error?.message });
          printer.error(`${outcome.error?.message ?? 'lost'}${command ? '; command stopped' : ''}`);
          if (flags.once || ctx.stop.signal.aborted) {
            ctx.exitCode = ExitCode.Lost;
            return;
          }
        } catch (error) {
          if (error instanceof StoppedError) return;
          // A follower whose session is lost has lost nothing but its place in the queue: it campaigns again.
          if (!(error instanceof SessionLostError)) throw error;
          printer.warn(`${error.message} while waiting to lead`);
        }
        // The old session may still live (suspended past the grace): drop it, so its node goes at expiry,
        // and campaign again with a new one (queued behind our old node until then).
        await ctx.release(client);
        printer.note('campaigning again with a new session');
        client = await reconnect(ctx);
      }
    });
}
