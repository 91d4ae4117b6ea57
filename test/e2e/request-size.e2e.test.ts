import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchEnsemble, stopNodeAndWait, type LaunchedEnsemble } from '../../src/server/launcher.js';
import { runCli, spawnCli } from '../harness/cli.js';
import { uniquePath } from '../harness/zk.js';

let dir: string;
const fileOf = (bytes: number): string => join(dir, `value-${bytes}`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zk-coord-size-'));
  for (const bytes of [1_048_576, 1_048_560, 1_500_000, 1_048_500]) writeFileSync(fileOf(bytes), Buffer.alloc(bytes, 0x61));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stderrLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.length > 0);

describe('requests over jute.maxbuffer', () => {
  // 1,048,576 bytes passes the client library's own 1 MiB check; 1,048,560 bytes is under 1 MiB as a value,
  // but either makes a request over the server's 1,048,575-byte limit once path and header are added.
  for (const bytes of [1_048_576, 1_048_560]) {
    for (const ephemeral of [false, true]) {
      it(`config set${ephemeral ? ' -e' : ''} with a ${bytes}-byte value: exit 2 at once, one line naming size and limit, nothing written`, async () => {
        const path = uniquePath('big');
        const started = Date.now();
        const set = await runCli(['config', 'set', ...(ephemeral ? ['-e'] : []), path, '--file', fileOf(bytes)]);
        expect(set.code).toBe(2);
        // No reconnects: the request was never sent (a storm printed thousands of lines).
        expect(stderrLines(set.stderr)).toHaveLength(1);
        expect(set.stderr).toMatch(new RegExp(`${bytes}-byte value is a \\d+-byte request, over ZooKeeper's limit of 1048575 bytes`));
        expect(set.stderr).toContain('-Djute.maxbuffer');
        expect(set.stderr).toContain('--max-request-bytes');
        expect(Date.now() - started).toBeLessThan(5000);
        const get = await runCli(['config', 'get', path]);
        expect(get.code).toBe(5);
      });
    }
  }

  it('a value just under the limit is written', async () => {
    const path = uniquePath('big');
    const set = await runCli(['config', 'set', path, '--file', fileOf(1_048_500)]);
    expect(set.code).toBe(0);
    const get = await runCli(['config', 'get', path]);
    expect(get.bytes.length).toBe(1_048_500);
  });

  // A limit raised above the server's: the request is sent, and the server closes the connection on it.
  for (const [bytes, ephemeral] of [[1_048_560, false], [1_500_000, false], [1_048_560, true]] as const) {
    it(`a limit raised above the server's (${bytes} bytes${ephemeral ? ', -e' : ''}): a few attempts, then exit 3 naming the cause`, async () => {
      const path = uniquePath('big');
      const started = Date.now();
      const set = await runCli(['config', 'set', ...(ephemeral ? ['-e'] : []), path, '--file', fileOf(bytes), '--max-request-bytes', '4000000']);
      expect(set.code).toBe(3);
      expect(set.stderr).toMatch(/closed the connection each of the 3 times/);
      expect(set.stderr).toContain('jute.maxbuffer');
      // Three drops, each a warning and a reconnect note, and the error: bounded, not a storm.
      expect(stderrLines(set.stderr).length).toBeLessThanOrEqual(8);
      expect(Date.now() - started).toBeLessThan(8000);
      expect((await runCli(['config', 'get', path])).code).toBe(5);
    });
  }

  it('ZK_COORD_MAX_REQUEST_BYTES is parsed like the flag: out of range is exit 2 naming the variable and the range', async () => {
    for (const value of ['12', '99999999999', '1e6', '-5', '2147483648']) {
      const run = await runCli(['ls', '/'], { env: { ZK_COORD_MAX_REQUEST_BYTES: value } });
      expect(run.code, value).toBe(2);
      expect(run.stderr).toContain("from env 'ZK_COORD_MAX_REQUEST_BYTES'");
      expect(run.stderr).toContain('from 1024 to 2147483647');
    }
    const lower = await runCli(['config', 'set', uniquePath('big'), '--file', fileOf(1_048_500)], { env: { ZK_COORD_MAX_REQUEST_BYTES: '4096' } });
    expect(lower.code).toBe(2);
    expect(lower.stderr).toContain('limit of 4096 bytes');
  });
});

describe('a server started with a raised jute.maxbuffer (own server)', () => {
  const RAISED = 4_000_000;
  let ensemble: LaunchedEnsemble;
  let baseDir: string;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'zk-coord-maxbuffer-'));
    ensemble = await launchEnsemble({ size: 1, baseDir, ownerPid: process.pid, systemProperties: { 'jute.maxbuffer': String(RAISED) } });
  });

  afterAll(async () => {
    for (const node of ensemble.nodes) await stopNodeAndWait(node);
    rmSync(baseDir, { recursive: true, force: true });
  });

  // Over the client library's own 1 MiB cap too: these go through our own create/setData records.
  for (const bytes of [1_048_576, 1_500_000]) {
    it(`takes a ${bytes}-byte value with --max-request-bytes ${RAISED}, and reads every byte back`, async () => {
      const server = ensemble.connectString;
      const path = uniquePath('raised');
      const value = fileOf(bytes);
      const set = await runCli(['config', 'set', path, '--file', value, '--max-request-bytes', String(RAISED)], { server });
      expect(set.code, set.stderr).toBe(0);
      const get = await runCli(['config', 'get', path], { server });
      expect(get.code).toBe(0);
      expect(get.bytes.equals(readFileSync(value))).toBe(true);
      // The second write of the node is a setData of the same size.
      expect((await runCli(['config', 'set', path, '--file', value, '--max-request-bytes', String(RAISED)], { server })).code).toBe(0);
      expect((await runCli(['config', 'get', '--stat', path, '-o', 'json'], { server })).stdout).toMatch(/"version":\s*1\b/);
    });
  }

  it(`holds a 1500000-byte ephemeral value (-e) with --max-request-bytes ${RAISED}`, async () => {
    const server = ensemble.connectString;
    const path = uniquePath('raised');
    const holder = spawnCli(['config', 'set', '-e', path, '--file', fileOf(1_500_000), '--max-request-bytes', String(RAISED)], { server });
    await holder.waitForLine(new RegExp(`^${path}$`));
    const get = await runCli(['config', 'get', path], { server });
    expect(get.bytes.length).toBe(1_500_000);
    holder.signal('SIGTERM');
    expect(await holder.exited).toBe(0);
    expect((await runCli(['config', 'get', path], { server })).code).toBe(5);
  });

  it('without the option, the same value is still refused before sending (exit 2): the client cannot know the server raised it', async () => {
    const set = await runCli(['config', 'set', uniquePath('raised'), '--file', fileOf(1_500_000)], { server: ensemble.connectString });
    expect(set.code).toBe(2);
    expect(set.stderr).toContain('--max-request-bytes');
  });
});

