/**
 * The seeds' scenarios, played with real zk-coord processes against a real ZooKeeper. Each step says what
 * happens, the command a person would type, the ZooKeeper primitive underneath (as zkCli spells it), and
 * checks that it behaved as narrated; a step that does not throws DemoStepError.
 */
import type { Narrator } from '../output/narrator.js';
import { CliProcess } from '../process/cli-process.js';
import { playBarrier, playQueue } from './ci-scenarios.js';


export class DemoStepError extends Error {
  override name = 'DemoStepError';
}

export interface DemoEnv {
  server: string;
  /** Root znode of this demo run; everything is created under it and removed afterwards. */
  root: string;
  env: NodeJS.ProcessEnv;
}

export class Instances {
  private readonly all: CliProcess[] = [];
  constructor(private readonly demo: DemoEnv) {}

  start(args: string[]): CliProcess {
    const proc = new CliProcess(args, { ...this.demo.env, ZK_COORD_SERVER: this.demo.server, NO_COLOR: '1' });
    this.all.push(proc);
    return proc;
  }

  async run(args: string[]): Promise<{ code: number; stdout: string[] }> {
    const proc = this.start(args);
    proc.input('');
    const code = await proc.exited;
    return { code, stdout: proc.stdout };
  }

  async stopAll(): Promise<void> {
    for (const p of this.all) p.signal('SIGTERM');
    await Promise.all(this.all.map((p) => p.exited));
  }
}

export function expectThat(condition: boolean, what: string): void {
  if (!condition) throw new DemoStepError(what);
}

export async function line(proc: CliProcess, pattern: RegExp, what: string, timeoutMs = 15_000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
  try {
    return await proc.waitForLine(pattern, timeoutMs, stream);
  } catch {
    throw new DemoStepError(`${what}: expected a line matching ${pattern}; got ${JSON.stringify(proc.stdout.slice(-3))} ${JSON.stringify(proc.stderr.slice(-2))}`);
  }
}

/** Seed 000: instance IDs. 1, 2, 3; 2 stops; a fourth gets 2; the stopped one comes back and gets 4. */
export type { Narrator };

export async function playClaim(demo: DemoEnv, say: Narrator): Promise<void> {
  const parent = `${demo.root}/sequence`;
  const instances = new Instances(demo);
  say.scenario('Claim the lowest free instance ID', '000: a distributed sequence generator');
  try {
    await say.step('Three instances start, one after the other; each takes the lowest free number');
    say.command(`zk-coord claim ${parent}    # in three terminals`);
    say.primitive(`ls ${parent}  →  create -e ${parent}/<lowest free> "{host,pid,since}"`);
    const procs: CliProcess[] = [];
    for (let i = 1; i <= 3; i += 1) {
      const proc = instances.start(['claim', parent]);
      const id = await line(proc, /^\d+$/, `instance ${i} claims`);
      expectThat(id === String(i), `instance ${i} should get ${i}, got ${id}`);
      say.ok(`instance ${i} holds ${id}`);
      procs.push(proc);
    }
    await say.step('Instance 2 stops (SIGTERM): it deletes its node and closes its session, so 2 is free at once');
    say.command('kill -TERM <pid of instance 2>');
    say.primitive(`delete ${parent}/2 ; close`);
    procs[1]!.signal('SIGTERM');
    expectThat((await procs[1]!.exited) === 0, 'instance 2 should exit 0');
    const ls = await instances.run(['ls', parent]);
    expectThat(ls.stdout.map((l) => l.split('  ')[0]).join(',') === '1,3', `ls ${parent} should show 1,3, got ${ls.stdout.join(',')}`);
    say.ok(`ls ${parent}: [1, 3]`);
    await say.step('A fourth instance starts: it takes the freed number 2');
    say.command(`zk-coord claim ${parent}`);
    const fourth = instances.start(['claim', parent]);
    const four = await line(fourth, /^\d+$/, 'the fourth instance claims');
    expectThat(four === '2', `the fourth instance should get 2, got ${four}`);
    say.ok('instance 4 holds 2');
    await say.step('Instance 2 starts again: 1, 2 and 3 are held, so it gets 4');
    const back = instances.start(['claim', parent]);
    const again = await line(back, /^\d+$/, 'instance 2 claims again');
    expectThat(again === '4', `instance 2 should now get 4, got ${again}`);
    say.ok('instance 2 now holds 4');
    for (const l of (await instances.run(['ls', parent, '-s'])).stdout) say.output(l);
  } finally {
    await instances.stopAll();
  }
}

/** Seeds 001 and 002: three services, only the leader processes; the leader stops; the next takes over. */
export async function playElect(demo: DemoEnv, say: Narrator): Promise<void> {
  const path = `${demo.root}/election`;
  const instances = new Instances(demo);
  const work = 'while :; do echo "$ZK_COORD_NAME processing (token $ZK_COORD_TOKEN)"; sleep 0.3; done';
  say.scenario('Leader election with failover', '001: worker services; 002: create -e -s /election/candidate');
  try {
    await say.step('Three services campaign; the lowest sequence number leads, and only the leader processes');
    say.command(`zk-coord elect ${path} service1 --exec '<process data>'    # and service2, service3`);
    say.primitive(`create -e -s ${path}/candidate-<uuid>- "service1"  →  ls ${path}  →  get -w <predecessor>`);
    const services: CliProcess[] = [];
    for (let i = 1; i <= 3; i += 1) {
      const proc = instances.start(['elect', path, `service${i}`, '--exec', work]);
      // With a command, stdout is the command's: the leader line is on stderr.
      if (i === 1) await line(proc, /^leader service1/, 'service1 leads', 15_000, 'stderr');
      else await proc.waitForLine(/^following /, 15_000, 'stderr').catch(() => { throw new DemoStepError(`service${i} should follow`); });
      services.push(proc);
    }
    await line(services[0]!, /^service1 processing/, 'service1 processes');
    say.ok('service1 leads and processes; service2 and service3 wait, each watching only its predecessor');
    for (const l of (await instances.run(['ls', path, '-s'])).stdout) say.output(l);
    await say.step('service1 stops (SIGTERM): it resigns, and service2 takes over');
    say.command('kill -TERM <pid of service1>');
    say.primitive(`delete ${path}/candidate-…-0000000000  →  service2's watch fires`);
    const stoppedAt = Date.now();
    services[0]!.signal('SIGTERM');
    await line(services[1]!, /^leader service2/, 'service2 takes over', 15_000, 'stderr');
    const failoverMs = Date.now() - stoppedAt;
    await line(services[1]!, /^service2 processing/, 'service2 processes');
    expectThat(!services[2]!.stderr.some((l) => l.startsWith('leader')) && !services[2]!.stdout.some((l) => l.includes('processing')), 'service3 must not lead or process');
    say.ok(`service2 leads after ${failoverMs} ms and processes; service3 still waits`);
  } finally {
    await instances.stopAll();
  }
}

/** Seed 002: central configuration, watched live. */
export async function playConfig(demo: DemoEnv, say: Narrator): Promise<void> {
  const path = `${demo.root}/config/database`;
  const instances = new Instances(demo);
  say.scenario('Central configuration, watched live', '002: get -w /config/database');
  try {
    await say.step('Store the database configuration');
    say.command(`zk-coord config set ${path} "db_host=localhost;db_port=5432" -p`);
    say.primitive(`create ${path} "db_host=localhost;db_port=5432"`);
    const set = await instances.run(['config', 'set', path, 'db_host=localhost;db_port=5432', '-p']);
    expectThat(set.code === 0, 'config set should succeed');
    say.ok('stored');
    await say.step('A service reads it and watches for changes');
    say.command(`zk-coord config watch ${path}`);
    say.primitive(`get -w ${path}`);
    const watch = instances.start(['config', 'watch', path]);
    say.output(await line(watch, /^initial/, 'the watcher prints the current value'));
    await say.step('Another process changes the configuration; the watcher sees it at once');
    say.command(`zk-coord config set ${path} "db_host=localhost;db_port=5433"`);
    say.primitive(`set ${path} "db_host=localhost;db_port=5433"  →  WatchedEvent type:NodeDataChanged`);
    const changedAt = Date.now();
    await instances.run(['config', 'set', path, 'db_host=localhost;db_port=5433']);
    const changed = await line(watch, /^changed .*db_port=5433/, 'the watcher prints the change');
    say.output(changed);
    say.ok(`the watcher printed it ${Date.now() - changedAt} ms after the setting process was launched (its Node start-up included)`);
    const get = await instances.run(['config', 'get', path]);
    expectThat(get.stdout.join('\n') === 'db_host=localhost;db_port=5433', 'config get should print the new value');
    say.ok(`config get: ${get.stdout.join('')}`);
  } finally {
    await instances.stopAll();
  }
}

/** Seed 003's fourth capability: service discovery, Curator-compatible. Three instances, a watcher, one stops. */
export async function playDiscovery(demo: DemoEnv, say: Narrator): Promise<void> {
  const base = `${demo.root}/services`;
  const instances = new Instances(demo);
  say.scenario('Service discovery: instances register, clients find whichever are alive', '003: service discovery (Curator / Spring Cloud Zookeeper)');
  try {
    await say.step('A client watches the service before any instance exists');
    say.command(`zk-coord discover api --base ${base} --watch`);
    say.primitive(`ls -w ${base}/api  →  get -w ${base}/api/<id> for each instance`);
    const watcher = instances.start(['discover', 'api', '--base', base, '--watch']);
    await watcher.waitForLine(/watching/, 15_000, 'stderr').catch(() => {
      throw new DemoStepError('the watcher should start watching');
    });
    say.ok('watching');
    await say.step('Three instances of "api" register, each as an ephemeral node holding Curator\'s ServiceInstance JSON');
    say.command(`zk-coord register api --base ${base} --port 8001 --address 127.0.0.1    # and 8002, 8003`);
    say.primitive(`create -e ${base}/api/<uuid> '{"name":"api","id":"<uuid>","address":"127.0.0.1","port":8001,…,"serviceType":"DYNAMIC"}'`);
    const procs: Array<{ proc: ReturnType<Instances['start']>; id: string }> = [];
    for (const port of [8001, 8002, 8003]) {
      const proc = instances.start(['register', 'api', '--base', base, '--port', String(port), '--address', '127.0.0.1']);
      procs.push({ proc, id: await line(proc, /^[0-9a-f-]{36}$/, `the instance on port ${port} registers`) });
      say.output(await line(watcher, new RegExp(`^joined .*127\\.0\\.0\\.1:${port}`), `the watcher sees port ${port} join`));
    }
    await say.step('Any client lists the live instances, or picks one');
    say.command(`zk-coord discover api --base ${base}`);
    const listed = await instances.run(['discover', 'api', '--base', base]);
    expectThat(listed.code === 0 && listed.stdout.length === 3, `discover should list 3 instances, got ${JSON.stringify(listed.stdout)}`);
    for (const l of listed.stdout) say.output(l);
    const random = await instances.run(['discover', 'api', '--base', base, '--random']);
    expectThat(/^127\.0\.0\.1:800[123]$/.test(random.stdout.join('')), `--random should print one address:port, got ${random.stdout.join('')}`);
    say.ok(`curl "http://$(zk-coord discover api --random)/health" would call ${random.stdout.join('')}`);
    await say.step('The instance on port 8002 stops (SIGTERM): it deregisters at once, and the watcher sees it leave');
    say.command('kill -TERM <pid of the instance on 8002>');
    say.primitive(`delete ${base}/api/${procs[1]!.id}  →  WatchedEvent type:NodeChildrenChanged`);
    procs[1]!.proc.signal('SIGTERM');
    say.output(await line(watcher, /^left .*127\.0\.0\.1:8002/, 'the watcher sees 8002 leave'));
    const after = await instances.run(['discover', 'api', '--base', base]);
    expectThat(after.stdout.length === 2 && !after.stdout.some((l) => l.includes(':8002')), `discover should list 8001 and 8003, got ${JSON.stringify(after.stdout)}`);
    say.ok('two instances left: 8001 and 8003');
  } finally {
    await instances.stopAll();
  }
}

export const SCENARIOS = { claim: playClaim, elect: playElect, config: playConfig, discovery: playDiscovery, barrier: playBarrier, queue: playQueue } as const;
export type ScenarioName = keyof typeof SCENARIOS;
