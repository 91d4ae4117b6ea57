import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, portIsFree } from '../../src/server/launcher.js';
import { BIN } from '../harness/cli.js';
import { commandPaths, examplesIn, helpOf } from '../harness/help-examples.js';
import { closeClients, newClient, waitFor, zkConnect } from '../harness/zk.js';

/**
 * Every example of every `--help` runs here, as written (through bash, with `zk-coord` on PATH), against the
 * test server: an example that fails, or one added without an entry below, fails this file. Each runs in a
 * fresh chroot of its own (its paths start empty) and a fresh folder holding the scripts it names. Ports the
 * `server` examples name are swapped for free ones (the machine may run a ZooKeeper on 2181).
 */

interface Spec {
  /** zk-coord command lines run first (in the same chroot and folder), each must exit 0. */
  setup?: string[];
  /** Started first and kept running while the example runs (holders, writers): each until its line shows, if given. */
  background?: Array<{ command: string; ready?: RegExp }>;
  /** The example holds until stopped: once `ready` shows (stdout or stderr), SIGTERM, then `code`. */
  holds?: RegExp;
  code?: number;
  stdout?: RegExp;
  env?: Record<string, string>;
  files?: Record<string, string>;
  /** Programs the example calls that this machine may lack (pytest): stubs on its PATH. */
  programs?: string[];
  /** The `server` examples: their ports become free ones, their state a folder of their own. */
  server?: boolean;
}

const SCRIPT = '#!/bin/sh\necho "$0 ran $*"\n';
const SCRIPTS = ['worker.sh', 'deploy.sh', 'integration-tests.sh', 'migrate.sh', 'heavy-job.sh', 'process.sh', 'job.sh', 'run-shard.sh', 'tests.sh', 'serve.sh'];
const CI = { CI_PIPELINE_ID: '42', SHARD: '1' };
const TESTS = { 'tests/a.py': '', 'tests/b.py': '' };
const DATABASE = 'zk-coord config set /config/database "db_host=localhost;db_port=5432" -p';

const SPECS: Record<string, Spec> = {
  // root
  'zk-coord server start': { server: true, stdout: /^127\.0\.0\.1:\d+$/ },
  'zk-coord claim': { holds: /^1$/ },
  'zk-coord config set /config/app "v1" -p': {},
  'zk-coord get -s /config/app': { setup: ['zk-coord config set /config/app v1 -p'], stdout: /^v1\ncZxid/ },
  'zk-coord -s 127.0.0.1:2181 status': { stdout: /standalone/ },
  // claim
  'coproc CLAIM { exec zk-coord claim /workers; }; read -r ID <&"${CLAIM[0]}"': {},
  'zk-coord claim /workers --max 4 -- ./worker.sh --verbose': { stdout: /^\.\/worker\.sh ran --verbose$/ },
  'zk-coord ls /sequence -s': { background: [{ command: 'zk-coord claim', ready: /^1$/ }], stdout: /^1 {2}/ },
  // elect
  'zk-coord elect /election service1 -- ./process.sh': { stdout: /process\.sh ran/ },
  'zk-coord elect /election service1 --standby --http 8081 -- ./worker.sh': { server: true, stdout: /worker\.sh ran/ },
  'zk-coord elect /election --observe -o json': { holds: /"event":"leader"/ },
  'LEADER=$(zk-coord elect /election --observe --once)': { code: 5 },
  'zk-coord elect status /election': { background: [{ command: 'zk-coord elect /election alpha', ready: /^leader alpha/ }], stdout: /alpha/ },
  // lock
  'zk-coord lock /locks/deploy -- ./deploy.sh': { stdout: /deploy\.sh ran/ },
  'zk-coord lock /locks/staging-db --read -- ./integration-tests.sh': { stdout: /integration-tests\.sh ran/ },
  'zk-coord lock /locks/staging-db --write -- ./migrate.sh': { stdout: /migrate\.sh ran/ },
  "zk-coord lock /locks/db-migrate --timeout 30s --exec 'npm run migrate'": {
    files: { 'package.json': JSON.stringify({ name: 'example', private: true, scripts: { migrate: 'echo migrated' } }) },
    stdout: /migrated/,
  },
  'zk-coord lock /locks/workers --limit 2 -- ./heavy-job.sh': { stdout: /heavy-job\.sh ran/ },
  'zk-coord lock /locks/deploy --compat curator -- ./deploy.sh': { stdout: /deploy\.sh ran/ },
  'zk-coord lock /jobs/heavy --limit 2 --compat curator -- ./job.sh': { stdout: /job\.sh ran/ },
  'zk-coord lock status /locks/workers --limit 2': { background: [{ command: 'zk-coord lock /locks/workers --limit 2', ready: /^acquired/ }], stdout: /./ },
  'zk-coord elect status /app/leader --compat curator-latch -o json': { background: [{ command: 'zk-coord elect /app/leader alpha --compat curator-latch', ready: /^leader alpha/ }], stdout: /^\{/ },
  'zk-coord lock status /locks/deploy -o json': { background: [{ command: 'zk-coord lock /locks/deploy', ready: /^acquired/ }], stdout: /^\{/ },
  // register, discover
  'zk-coord register api --port 8001': { holds: /^[0-9a-f-]{36}$/ },
  'zk-coord register api --port 8080 -- node server.js': { files: { 'server.js': 'console.log("serving")\n' }, stdout: /^serving$/ },
  'curl "http://$(zk-coord discover api --random)/health"': { background: [{ command: 'zk-coord register api --address 127.0.0.1 --port $HEALTH_PORT', ready: /^[0-9a-f-]{36}$/ }], stdout: /^ok$/ },
  'zk-coord discover': { background: [{ command: 'zk-coord register api --port 8001', ready: /^[0-9a-f-]{36}$/ }], stdout: /^api {2}1 instance$/ },
  'zk-coord discover api': { background: [{ command: 'zk-coord register api --address 127.0.0.1 --port 8001', ready: /^[0-9a-f-]{36}$/ }], stdout: /8001/ },
  'zk-coord discover api --watch -o json': { background: [{ command: 'zk-coord register api --port 8001', ready: /^[0-9a-f-]{36}$/ }], holds: /^\{/ },
  // config
  'zk-coord config set /config/app v1 -p': {},
  'zk-coord config get /config/app': { setup: ['zk-coord config set /config/app v1 -p'], stdout: /^v1$/ },
  'DB=$(zk-coord config get /config/database)': { setup: [DATABASE] },
  'zk-coord config get /config/database --stat -o json': { setup: [DATABASE], stdout: /"stat":\{/ },
  '{ read -r HOST; read -r PORT; } < <(zk-coord config get /config/db/host /config/db/port)': {
    setup: ['zk-coord config set /config/db/host localhost -p', 'zk-coord config set /config/db/port 5432'],
  },
  'zk-coord config get /config/database --sync': { setup: [DATABASE], stdout: /^db_host=localhost;db_port=5432$/ },
  'zk-coord config set /config/database "db_host=localhost;db_port=5432" -p': {},
  'zk-coord config set /config/database --version 3 "db_port=5433"': { setup: [DATABASE, 'zk-coord config set /config/database v1', 'zk-coord config set /config/database v2', 'zk-coord config set /config/database v3'] },
  'cat app.json | zk-coord config set /config/app -': { setup: ['zk-coord config set /config/x x -p'], files: { 'app.json': '{"database": "db"}\n' } },
  'zk-coord config set -e /config/database "db_host=localhost"': { setup: ['zk-coord config set /config/x x -p'], holds: /^\/config\/database$/ },
  'zk-coord config set -e -p /services/web/active "$(hostname)" -- ./serve.sh': { stdout: /serve\.sh ran/ },
  'zk-coord config watch /config/database': { holds: /^initial/ },
  'zk-coord config watch /config/database -o json | jq --unbuffered .value': { setup: [DATABASE], holds: /^"db_host=localhost;db_port=5432"$/ },
  'zk-coord config watch /config/app --exec \'echo "$ZK_COORD_EVENT v$ZK_COORD_VERSION" >> changes.log\'': { holds: /^initial/ },
  'zk-coord config rm /config/old -R -y': { setup: ['zk-coord config set /config/old/a v -p'] },
  'zk-coord config rm /config/database --version 3 -y': { setup: [DATABASE, 'zk-coord config set /config/database v1', 'zk-coord config set /config/database v2', 'zk-coord config set /config/database v3'] },
  'zk-coord config wait /deploy/flag --value go --timeout 60s': { setup: ['zk-coord config set /deploy/flag go -p'], stdout: /^go$/ },
  'V=$(zk-coord config wait /config/app/version --changed --timeout 5m)': {
    setup: ['zk-coord config set /config/app/version 1 -p'],
    // A writer that keeps changing it: the wait sees a change whenever it has armed its watch.
    background: [{ command: 'while :; do sleep 0.5; zk-coord config set /config/app/version "$RANDOM"; done' }],
  },
  'zk-coord config export /config/app > app.json': { setup: ['zk-coord config set /config/app/database db -p'] },
  "zk-coord config export /config/app | jq -r '.database'": { setup: ['zk-coord config set /config/app/database db -p'], stdout: /^db$/ },
  'zk-coord config import /config/staging app.json --dry-run': { files: { 'app.json': '{"database": "db"}\n' }, stdout: /database/ },
  'zk-coord config export /config/prod | zk-coord config import /config/staging - --prune': { setup: ['zk-coord config set /config/prod/database db -p'], stdout: /database/ },
  // ls
  'zk-coord ls / -R': { setup: ['zk-coord config set /config/app v1 -p'], stdout: /\/config\/app/ },
  'zk-coord ls /election -w -o json': { setup: ['zk-coord config set /election "" -p'], holds: /^\{/ },
  // acl
  'zk-coord acl get /config/database': { setup: [DATABASE], stdout: /^world:anyone:cdrwa$/ },
  "zk-coord acl get /config/database -o json | jq -r '.[].scheme'": { setup: [DATABASE], stdout: /^world$/ },
  'zk-coord acl set /config/database world:anyone:r digest:admin:x1nq8J5GOJVPY6zgzhtTtA9izLc=:cdrwa': { setup: [DATABASE] },
  'zk-coord acl set /app -R auth::cdrwa world:anyone:r': { setup: ['zk-coord config set /app/a v -p'], env: { ZK_COORD_AUTH: 'admin:secret' } },
  'zk-coord acl set /app ip:127.0.0.1:cdrwa --version 2': { setup: ['zk-coord config set /app v', 'zk-coord acl set /app world:anyone:cdrwa', 'zk-coord acl set /app world:anyone:cdrwa'] },
  // status: one server answers, the other two of the example's ensemble do not (degraded, 9)
  'zk-coord status -s 127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183': { code: 9, stdout: /degraded: 1 of 3 up/ },
  'zk-coord status -o json | jq \'.servers[] | select(.mode == "leader")\'': {},
  'until zk-coord -q status; do sleep 1; done': {},
  'zk-coord status --quorum || echo "the ensemble has lost its majority"': { stdout: /^ok: 1 of 1 up$/m },
  // server
  'zk-coord server start --ensemble 3': { server: true, stdout: /^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/ },
  'zk-coord server start --ensemble 3 --quorum-port 2888 --election-port 3888 --fresh': { server: true, stdout: /^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/ },
  'zk-coord server start --tls --port 2281': { server: true, stdout: /^127\.0\.0\.1:\d+$/ },
  'zk-coord server start --mtls': { server: true, stdout: /^127\.0\.0\.1:\d+$/ },
  'zk-coord server start --fresh': { server: true, setup: ['zk-coord server start', 'zk-coord server stop'], stdout: /^127\.0\.0\.1:\d+$/ },
  'zk-coord server start --port 2281 --data-dir ./zk-data': { server: true, stdout: /^127\.0\.0\.1:\d+$/ },
  'zk-coord server status': { server: true, setup: ['zk-coord server start'], stdout: /standalone/ },
  'zk-coord server stop': { server: true, setup: ['zk-coord server start'] },
  'zk-coord server stop --port 2281': { server: true, setup: ['zk-coord server start --port 2281'] },
  "zk-coord server status --port 2181 -o json | jq '.nodes[].mode'": { server: true, setup: ['zk-coord server start'], stdout: /^"standalone"$/ },
  // demo, shell, completion, version
  'zk-coord demo config': { stdout: /Every step behaved as narrated/ },
  'zk-coord demo elect --step': { stdout: /Every step behaved as narrated/ },
  'zk-coord shell': { stdout: /^$/ },
  'printf \'create /app ""\\nset /app v1\\nget -s /app\\n\' | zk-coord shell': { stdout: /^Created \/app\nv1\ncZxid/ },
  'zk-coord shell -f seed.zk --keep-going -o json': { files: { 'seed.zk': 'create /seed ""\nget /seed\n' }, stdout: /"command":"get \/seed","ok":true/ },
  'source <(zk-coord completion bash)': {},
  'zk-coord completion fish > zk-coord.fish': {},
  'zk-coord version': { stdout: /^zk-coord {8}\d+\.\d+\.\d+/ },
  'zk-coord version -o json | jq -r .zkCoord': { stdout: /^\d+\.\d+\.\d+$/ },
  // barrier, queue, counter (CI recipes)
  'zk-coord barrier /ci/$CI_PIPELINE_ID/integration --count 4 -- ./run-shard.sh "$SHARD"': {
    env: CI,
    background: [1, 2, 3].map((n) => ({ command: `zk-coord barrier /ci/42/integration --count 4 -- ./run-shard.sh ${n + 1}` })),
    stdout: /run-shard\.sh ran 1/,
  },
  'zk-coord barrier /ci/$CI_PIPELINE_ID/start --count 4 --timeout 10m && ./tests.sh': {
    env: CI,
    background: [1, 2, 3].map(() => ({ command: 'zk-coord barrier /ci/42/start --count 4 --timeout 10m' })),
    stdout: /tests\.sh ran/,
  },
  'ls tests/*.py | zk-coord queue push /ci/$CI_PIPELINE_ID/tests': { env: CI, files: TESTS, stdout: /^pushed 2$/ },
  'zk-coord queue ls /ci/$CI_PIPELINE_ID/tests': { env: CI, setup: ['zk-coord queue push /ci/42/tests tests/a.py tests/b.py'], stdout: /waiting/ },
  'zk-coord queue work /ci/$CI_PIPELINE_ID/tests --until-empty -- sh -c \'pytest "$ZK_COORD_ITEM"\'': {
    env: CI,
    programs: ['pytest'],
    setup: ['zk-coord queue push /ci/42/tests tests/a.py tests/b.py'],
    stdout: /pytest ran tests\/a\.py\n.*pytest ran tests\/b\.py/,
  },
  'ITEM=$(zk-coord queue pop /jobs --wait --timeout 30s)': { setup: ['zk-coord queue push /jobs build-1'] },
  'BUILD=$(zk-coord counter incr /ci/build-number)': {},
  'zk-coord counter add /stats/retries -2': { stdout: /^-2$/ },
  'zk-coord counter set /ci/build-number 1000': { stdout: /^1000$/ },
  'zk-coord counter get /shared/count --format curator': { stdout: /^0$/ },
  // zkCli's words
  'zk-coord get -s /config/database': { setup: [DATABASE], stdout: /dataVersion = 0/ },
  'zk-coord get -w /config/database': { setup: [DATABASE], background: [{ command: 'while :; do sleep 0.5; zk-coord config set /config/database "$RANDOM"; done' }], stdout: /type:NodeDataChanged/ },
  'zk-coord set -v 0 /config/database "db_port=5433"': { setup: [DATABASE] },
  'zk-coord create /config ""': { stdout: /^Created \/config$/ },
  'zk-coord create -s /config/item- "v"': { setup: ['zk-coord config set /config x'], stdout: /^Created \/config\/item-0000000000$/ },
  'zk-coord delete -v 0 /config/item': { setup: ['zk-coord config set /config/item v -p'] },
  'zk-coord deleteall /config/old': { setup: ['zk-coord config set /config/old/a/b v -p'] },
  'zk-coord stat /config/database': { setup: [DATABASE], stdout: /^cZxid/ },
  'zk-coord getAcl /config/database': { setup: [DATABASE], stdout: /'world,'anyone/ },
  'zk-coord setAcl /config/database world:anyone:cdrwa': { setup: [DATABASE] },
};

/** Commands with no help of their own: the internal completion hook and the pointers (`watch` → config watch). */
const NO_EXAMPLES = new Set(['completion complete', 'watch', 'rm', 'rmr', 'put', 'del', 'addWatch', 'connect']);

const scratch = mkdtempSync(join(tmpdir(), 'zk-coord-examples-'));
const bin = join(scratch, 'bin');
let health: Server;
let healthPort = 0;
const started: ChildProcess[] = [];

beforeAll(async () => {
  mkdirSync(bin);
  writeFileSync(join(bin, 'zk-coord'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`, { mode: 0o755 });
  health = createServer((_req, res) => res.end('ok\n'));
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  healthPort = (health.address() as { port: number }).port;
});

afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  health?.close();
  await closeClients();
  rmSync(scratch, { recursive: true, force: true });
});

/** The examples, each with the help texts that show it. */
async function collect(): Promise<{ examples: Map<string, string[]>; bare: string[] }> {
  const examples = new Map<string, string[]>();
  const bare: string[] = [];
  for (const path of await commandPaths()) {
    const name = path.join(' ') || '(root)';
    const found = examplesIn(await helpOf(path));
    if (found.length === 0 && !NO_EXAMPLES.has(name)) bare.push(name);
    for (const example of found) examples.set(example, [...(examples.get(example) ?? []), name]);
  }
  return { examples, bare };
}

/** Three consecutive free ports (an ensemble's client, quorum or election ports). */
async function freeRun(): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p < 65000 && (await portIsFree(p + 1)) && (await portIsFree(p + 2))) return p;
  }
}

interface Place {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The text with its ports swapped (server examples). */
  rewrite(text: string): string;
}

async function placeFor(spec: Spec): Promise<Place> {
  const cwd = mkdtempSync(join(scratch, 'ex-'));
  for (const script of SCRIPTS) writeFileSync(join(cwd, script), SCRIPT, { mode: 0o755 });
  for (const [file, text] of Object.entries(spec.files ?? {})) {
    mkdirSync(dirname(join(cwd, file)), { recursive: true });
    writeFileSync(join(cwd, file), text);
  }
  mkdirSync(join(cwd, 'programs'));
  for (const program of spec.programs ?? []) writeFileSync(join(cwd, 'programs', program), SCRIPT, { mode: 0o755 });
  const chroot = `/help-${randomUUID().slice(0, 8)}`;
  await (await newClient()).create(chroot, Buffer.alloc(0));
  const server = `${zkConnect()}${chroot}`;
  const ports = new Map<string, number>();
  for (const port of ['2181', '2281', '2888', '3888', '8081']) {
    if (!spec.server) continue;
    // Runs of three that overlap no run taken before (client, quorum and election ports must all differ).
    let base = await freeRun();
    while ([...ports.values()].some((p) => Math.abs(p - base) < 3)) base = await freeRun();
    ports.set(port, base);
  }
  const rewrite = (text: string): string => {
    // The status examples name servers: the test server (its chroot would have to end the whole string).
    if (!spec.server) return text.replaceAll('127.0.0.1:2181', zkConnect());
    // `server start|stop|status` without --port means 2181: say it, so the swap below applies.
    const explicit = /server (start|stop)(?!.*--port)/.test(text) ? text.replace(/server (start|stop)/, 'server $1 --port 2181') : text;
    return explicit.replace(/\b(2181|2281|2888|3888|8081)\b/g, (port) => String(ports.get(port)));
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(cwd, 'programs')}:${bin}:${process.env.PATH}`,
    NO_COLOR: '1',
    ZK_COORD_SERVER: server,
    ZK_COORD_STATE_DIR: join(cwd, 'state'),
    HEALTH_PORT: String(healthPort),
    ...spec.env,
  };
  delete env.FORCE_COLOR;
  return { cwd, env, rewrite };
}

interface Ran {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number>;
}

function bash(text: string, place: Place): Ran {
  const child = spawn('bash', ['-c', text], { cwd: place.cwd, env: place.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGTERM' ? 143 : 128))));
  return { child, stdout: () => out.trimEnd(), stderr: () => err, exited };
}

/** Stops a bash and what it runs: SIGTERM to its process group (zk-coord releases), SIGKILL after a while. */
function signalGroup(ran: Ran, signal: NodeJS.Signals): void {
  try {
    if (ran.child.pid !== undefined) process.kill(-ran.child.pid, signal);
  } catch {
    // the whole group is gone already
  }
}

async function stop(ran: Ran): Promise<number> {
  // The group, even when bash has ended: what it started in the background (a coproc) is still in it.
  signalGroup(ran, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(ran, 'SIGKILL'), 10_000);
  const code = await ran.exited;
  clearTimeout(timer);
  return code;
}

async function stopServers(place: Place): Promise<void> {
  let files: string[] = [];
  try {
    files = readdirSync(join(place.env.ZK_COORD_STATE_DIR as string, 'servers'));
  } catch {
    return;
  }
  for (const file of files) {
    const port = file.replace(/\.json$/, '');
    // Waited for, not signalled: a SIGTERM to its group would end the stop before the server is down.
    const stopping = bash(`zk-coord server stop --port ${port}`, place);
    const timer = setTimeout(() => signalGroup(stopping, 'SIGKILL'), 30_000);
    await stopping.exited;
    clearTimeout(timer);
  }
  // Whatever still runs from this example's folder (a server whose state file was removed) goes too.
  for (const pid of processesUnder(place.cwd)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Pids of processes run from `dir` or naming it (an example's servers: their config lives there). */
function processesUnder(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(dir) || readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function runExample(example: string, spec: Spec): Promise<void> {
  const place = await placeFor(spec);
  const background: Ran[] = [];
  let ran: Ran | undefined;
  try {
    for (const line of spec.setup ?? []) {
      const setup = bash(place.rewrite(line), place);
      expect(await setup.exited, `setup "${line}": ${setup.stderr()}`).toBe(0);
    }
    for (const { command, ready } of spec.background ?? []) {
      const ran = bash(command, place);
      background.push(ran);
      if (ready) await waitFor(() => ready.test(ran.stdout()), 20_000, `background "${command}"`);
    }
    ran = bash(place.rewrite(example), place);
    const current = ran;
    let code: number;
    if (spec.holds) {
      await waitFor(() => spec.holds!.test(current.stdout()) || spec.holds!.test(current.stderr()) || current.child.exitCode !== null, 30_000, `"${example}" to show ${spec.holds}`);
      expect(ran.child.exitCode, `"${example}" ended early: ${ran.stderr()}`).toBeNull();
      code = await stop(ran);
      // bash reports the holder's own exit (0 after a clean release), or 143 when bash itself took the SIGTERM.
      expect([0, 143], `"${example}" after SIGTERM: ${ran.stderr()}`).toContain(code);
    } else {
      code = await ran.exited;
      expect(code, `"${example}": ${ran.stderr()}`).toBe(spec.code ?? 0);
    }
    if (spec.stdout) expect(ran.stdout(), `"${example}" stdout`).toMatch(spec.stdout);
  } finally {
    // What the example left in its process group (a coproc) goes too.
    await Promise.all([...background, ...(ran ? [ran] : [])].map(stop));
    if (spec.server) await stopServers(place);
  }
}

describe('every --help example', () => {
  it('every command but the internal ones has at least one example, and every example has an entry here', async () => {
    const { examples, bare } = await collect();
    expect(bare, 'commands whose --help shows no example').toEqual([]);
    const unknown = [...examples.keys()].filter((e) => !(e in SPECS));
    expect(unknown, 'examples with no entry in SPECS (add one: how it runs, what it prints)').toEqual([]);
    const stale = Object.keys(SPECS).filter((e) => !examples.has(e));
    expect(stale, 'entries for examples no help shows any more').toEqual([]);
  });

  // One test per example, named by it: a failing example names itself.
  for (const [example, spec] of Object.entries(SPECS)) {
    it(`runs: ${example}`, () => runExample(example, spec), spec.server ? 90_000 : 45_000);
  }
});

