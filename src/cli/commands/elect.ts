import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import { LeaderObserver, type LeaderView } from '../../recipes/contenders/election.js';
import { addElectStatus } from './contenders-status.js';
import { ELECTION_COMPAT, electionConventions, type ConventionChoice } from '../../recipes/contenders/conventions.js';
import { contenderStep } from '../../hold/index.js';
import { escapeControl } from '../../output/escape.js';
import { foreignContenderLine } from '../../output/contenders.js';
import type { CommandContext } from '../context.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { checkTargetPath } from '../options.js';
import { followUntilStopped } from '../follow.js';
import { HOLDER_HELP, addHolderOptions, holderAcl, holderResult, runHolder, serveStatus, type HolderFlags } from '../holding.js';
import { ELECTION_HELP, addElectionOptions, electionSpec, type ElectionFlags } from '../standby.js';
import { HolderStatus } from '../../hold/status.js';
import type { ZkClient } from '../../zk/index.js';
import { subcommand, type App } from '../program.js';

interface ElectFlags extends HolderFlags, ElectionFlags {
  compat?: (typeof ELECTION_COMPAT)[number];
  observe?: boolean;
  once?: boolean;
}

/** Who leads, as every candidate's leader line (and an observer) follows it; our own node is not news. */
async function observeLeader(
  client: ZkClient,
  path: string,
  compat: ConventionChoice,
  own: string | undefined,
  onLeader: (leader: string | undefined) => void,
): Promise<{ stop(): void }> {
  const observer = new LeaderObserver(client, path, compat);
  observer.on('leader', (view) => {
    // kazoo's names carry the uuid without its hyphens.
    if (own === undefined || !(view.path?.includes(own) || view.path?.includes(own.replaceAll('-', '')))) onLeader(view.name);
  });
  observer.on('error', () => undefined);
  await observer.start();
  return observer;
}

/** --observe --once: one answer for a script (who leads now), exit 5 when nobody does. */
async function observeOnce(ctx: CommandContext, path: string, flags: ElectFlags): Promise<void> {
  const client = await ctx.connect();
  const observer = new LeaderObserver(client, path, electionConventions(flags.compat));
  let first: LeaderView | undefined;
  observer.once('leader', (view) => (first = view));
  try {
    await observer.start();
  } finally {
    observer.stop();
  }
  printLeader(ctx, first, path);
  if (first?.name === undefined) ctx.exitCode = ExitCode.NotFound;
}

function printLeader(ctx: CommandContext, view: LeaderView | undefined, election: string): void {
  if (view?.name === undefined) ctx.printer.result(`no leader`, { event: 'leader', path: election, node: null, name: null, token: null });
  else ctx.printer.result(`leader ${escapeControl(view.name)}  ${view.path}  token ${view.token}`, { event: 'leader', name: view.name, path: election, node: view.path, token: view.token?.toString(), contenders: view.contenders });
}

async function observe(ctx: CommandContext, path: string, flags: ElectFlags): Promise<void> {
  if (flags.once) return observeOnce(ctx, path, flags);
  ctx.holdSignals();
  const status = new HolderStatus({ recipe: 'elect', path, role: 'observer' });
  const http = flags.http !== undefined ? await serveStatus(ctx, status, flags.http) : undefined;
  try {
    const client = await ctx.connect();
    status.attach(client);
    const observer = new LeaderObserver(client, path, electionConventions(flags.compat));
    observer.on('leader', (view) => status.update({ leader: view.name ?? null }));
    observer.on('conflict', (why) => {
      if (why) ctx.printer.warn(`${why}; the leader shown follows ${flags.compat ? `--compat ${flags.compat}` : "zk-coord's order"}`);
    });
    await watchLeader(ctx, client, observer);
  } finally {
    status.close();
    http?.close();
  }
}

async function watchLeader(ctx: CommandContext, client: ZkClient, observer: LeaderObserver): Promise<void> {
  observer.on('leader', (view) => printLeader(ctx, view, observer.parent));
  await observer.start();
  await followUntilStopped(ctx, client, observer);
}

async function campaign(ctx: CommandContext, path: string, name: string, flags: ElectFlags): Promise<void> {
  const { printer } = ctx;
  const command = ctx.childCommand(flags.exec);
  const acl = holderAcl(ctx, flags);
  // One uuid for every session of this candidate: after a loss, the new session's node replaces the old one.
  const uuid = randomUUID();
  if (flags.standby && flags.once) throw new UsageError('--standby campaigns again after a loss: it takes no --once');
  await runHolder(ctx, flags, command, {
    again: flags.once !== true,
    againWhileWaiting: true,
    status: { recipe: 'elect', path, name, held: 'leader', waiting: 'follower' },
    election: electionSpec(flags, { path, name }, (client, onLeader) => observeLeader(client, path, electionConventions(flags.compat), uuid, onLeader)),
    acquire: (client, waiting) =>
      contenderStep(client, {
        parent: path,
        role: 'candidate',
        compat: electionConventions(flags.compat),
        data: Buffer.from(name, 'utf8'),
        slots: 1,
        uuid,
        ...acl,
        what: `leadership of ${path}`,
        onEntered: (c) => printer.note(`candidate ${c.node?.path} (${escapeControl(name)})`),
        onForeign: (node, theirs, ours) => printer.warn(foreignContenderLine('elect', path, node.name, theirs, ours)),
        onWaiting: (info) => {
          waiting?.(info.headData);
          printer.note(
            info.predecessor && info.predecessor.name !== info.head.name
              ? `following ${escapeControl(info.predecessorData ?? '?')} (${info.predecessor.name}); leader is ${escapeControl(info.headData ?? '?')} (${info.head.name})`
              : `following ${escapeControl(info.headData ?? '?')} (${info.head.name}), the leader`,
          );
        },
      }),
    env: (hold, client) => ({
      ZK_COORD_LEADER: '1',
      ZK_COORD_PATH: path,
      ZK_COORD_NAME: name,
      ZK_COORD_TOKEN: hold.token.toString(),
      ZK_COORD_SESSION: client.sessionIdHex,
    }),
    announce: (hold, client) =>
      holderResult(printer, command !== undefined, `leader ${escapeControl(name)}  ${hold.path}  token ${hold.token}`, {
        event: 'elected',
        name,
        path,
        node: hold.path,
        token: hold.token.toString(),
        session: client.sessionIdHex,
      }),
    onOutcome: (outcome, hold) => {
      if (outcome.kind === 'lost' && hold) {
        holderResult(printer, command !== undefined, `lost ${escapeControl(name)}  token ${hold.token}`, { event: 'lost', name, path, node: hold.path, token: hold.token.toString(), reason: outcome.error.message });
      } else if (outcome.kind === 'command-exited') {
        printer.note(`command exited with ${outcome.status}; resigned leadership of ${path}`);
      } else if (outcome.kind === 'stopped') {
        printer.note(`resigned leadership of ${path}`);
      }
    },
  });
}

export function registerElect(program: Command, app: App): void {
  const elect = subcommand(program, 'elect', 'campaign for leadership (lowest ephemeral sequential node leads), or observe who leads')
    .argument('[path]', 'election znode', '/election')
    .argument('[name]', "this candidate's name, stored in its node (default host:pid)")
    .option('--observe', 'do not campaign: print the current leader and every change')
    .option('--once', 'after losing leadership, exit 4 instead of campaigning again; with --observe: print who leads now and exit (5 when nobody does)')
    .addOption(new Option('--compat <library>', 'name and order the candidates as this library does (default: detected from the candidates present)').choices(ELECTION_COMPAT));
  addHolderOptions(elect, 'only while leading (with --standby: on every candidate, whatever the role)');
  addElectionOptions(elect).addHelpText(
    'after',
    `
Each candidate creates an ephemeral sequential node <path>/candidate-<uuid>-NNNNNNNNNN holding its name and
watches only its predecessor. The lowest leads. Nodes made by hand (zkCli: create -e -s /election/candidate
"service3") take part too. --compat curator-latch | curator-selector | kazoo names and orders the candidates as
Curator's LeaderLatch, LeaderSelector or kazoo's Election do, so they and we agree on the leader. Beside
them always pass it: without it the convention is detected from the candidates present (zk-coord's on an
empty path, and an idle Curator path is normally absent: its parents are containers), so it only helps while
the library's candidates are there. Disagreement: exit 6. 'zk-coord elect status <path>' lists them.

On becoming leader it prints one line on stdout (JSON: event elected, name, path, node, token, session; path
is the election, node our candidate node); on losing it, another (event lost, with reason). With a command,
stdout is the command's: these lines go to stderr in text (-o json keeps them on stdout).
The command runs only while leading, with ZK_COORD_LEADER=1, ZK_COORD_PATH, ZK_COORD_NAME, ZK_COORD_TOKEN (a
fencing token: the leader node's creation zxid, greater for every new leader) and ZK_COORD_SESSION. Leadership
ends when the command ends (exit with its code), on SIGINT/SIGTERM (resign: exit 0, or the command's code),
or when the session is lost or disconnected past --suspend-grace (command stopped; campaigns again with a new
session unless --once, then exit 4). Stopped while still waiting: exit 130/143, nothing ran.
${ELECTION_HELP}
${HOLDER_HELP}

Examples:
  zk-coord elect /election service1 -- ./process.sh     # seed 001: only the leader processes
  zk-coord elect /election service1 --standby --http 8081 -- ./worker.sh   # every worker runs; reads its role file
  zk-coord elect /election --observe -o json
  LEADER=$(zk-coord elect /election --observe --once)   # who leads now; exit 5 when nobody does`,
  );
  addElectStatus(elect, app);
  elect.action(async (path: string, nameArg: string | undefined, flags: ElectFlags) => {
    const ctx = app.context();
    if (flags.observe) {
      if (nameArg !== undefined || flags.exec || ctx.childArgv.length > 0) throw new UsageError('--observe takes no name and no command');
      if (flags.standby || flags.onElected || flags.onDemoted) throw new UsageError('--observe does not campaign: no --standby and no hooks');
      return observe(ctx, path, flags);
    }
    checkTargetPath(path, 'the election node');
    return campaign(ctx, path, nameArg ?? `${hostname()}:${process.pid}`, flags);
  });
}
