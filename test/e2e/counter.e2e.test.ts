import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../harness/cli.js';
import { kazoo } from '../harness/kazoo.js';
import { closeClients, newClient, uniquePath, zkConnect } from '../harness/zk.js';

const run = promisify(execFile);
afterEach(() => closeClients());

describe('counter', () => {
  it('10 processes each running `counter incr` 20 times at once end at exactly 200, as kazoo Counter reads it', async () => {
    const path = uniquePath('counter');
    // Each worker is a shell loop of separate zk-coord processes, 10 at a time (the 10 x 20).
    const loop = `for i in $(seq 20); do "${process.execPath}" "${BIN}" counter incr ${path} > /dev/null || exit 1; done`;
    const env = { ...process.env, ZK_COORD_SERVER: zkConnect(), NO_COLOR: '1' };
    await Promise.all(Array.from({ length: 10 }, () => run('/bin/sh', ['-c', loop], { env, timeout: 120_000 })));
    const result = await kazoo(zkConnect(), `result["value"] = zk.Counter(${JSON.stringify(path)}).value`);
    expect(result.value).toBe(200);
    expect((await runCli(['counter', 'get', path])).stdout).toBe('200');
  }, 90_000);

  it('--format curator writes struct.pack(">i", n), and kazoo Counter(support_curator=True) and zk-coord count on the same node', async () => {
    const path = uniquePath('counter');
    expect((await runCli(['counter', 'set', path, '-5', '--format', 'curator'])).stdout).toBe('-5');
    const read = await kazoo(
      zkConnect(),
      `import struct
data, _ = zk.get(${JSON.stringify(path)})
result["same"] = data == struct.pack(">i", -5)
c = zk.Counter(${JSON.stringify(path)}, support_curator=True)
c += 10
result["value"] = c.value`,
    );
    expect(read).toEqual({ same: true, value: 5 });
    expect((await runCli(['counter', 'add', path, '2', '--format', 'curator'])).stdout).toBe('7');
    const client = await newClient();
    expect((await client.getData(path)).data).toEqual(Buffer.from([0, 0, 0, 7]));
    // int32 bounds: refused, nothing written.
    const over = await runCli(['counter', 'add', path, '2147483647', '--format', 'curator']);
    expect(over.code).toBe(6);
    expect(over.stderr).toContain('outside the --format curator range');
    expect((await client.getData(path)).data).toEqual(Buffer.from([0, 0, 0, 7]));
  });

  it('curator-long is 8 bytes and the text format holds the full 64-bit range exactly', async () => {
    const path = uniquePath('counter');
    expect((await runCli(['counter', 'set', path, '9223372036854775806'])).stdout).toBe('9223372036854775806');
    expect((await runCli(['counter', 'incr', path])).stdout).toBe('9223372036854775807');
    const client = await newClient();
    expect((await client.getData(path)).data.toString()).toBe('9223372036854775807');
    expect((await runCli(['counter', 'incr', path])).code).toBe(6);
    expect((await client.getData(path)).data.toString()).toBe('9223372036854775807');
    const long = uniquePath('counter');
    expect((await runCli(['counter', 'set', long, '-9223372036854775808', '--format', 'curator-long'])).code).toBe(0);
    const { data } = await client.getData(long);
    expect(data.length).toBe(8);
    expect(data.readBigInt64BE(0)).toBe(-(2n ** 63n));
  });

  it('a node that is not a counter in the chosen format is refused unchanged, naming what it looks like', async () => {
    const client = await newClient();
    const text = uniquePath('counter');
    await client.create(text, Buffer.from('hello'));
    const refused = await runCli(['counter', 'incr', text]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('not a --format text counter');
    const after = await client.getData(text);
    expect(after.data.toString()).toBe('hello');
    expect(after.stat.version).toBe(0);

    const curator = uniquePath('counter');
    await client.create(curator, Buffer.from([0xff, 0, 0, 1]));
    const wrongFormat = await runCli(['counter', 'get', curator]);
    expect(wrongFormat.code).toBe(2);
    expect(wrongFormat.stderr).toContain('looks like --format curator');
    const asText = await runCli(['counter', 'incr', text, '--format', 'curator-long']);
    expect(asText.code).toBe(2);

    const float = uniquePath('counter');
    await kazoo(zkConnect(), `c = zk.Counter(${JSON.stringify(float)}, default=0.0)\nc += 1.5`);
    const floatRefused = await runCli(['counter', 'incr', float]);
    expect(floatRefused.code).toBe(2);
    expect(floatRefused.stderr).toContain('float');
    expect((await client.getData(float)).data.toString()).toBe('1.5');
  });

  it('a missing node starts at 0 and is created with its parents; get creates nothing; a bad delta is exit 2 with nothing created', async () => {
    const client = await newClient();
    const parent = uniquePath('counter');
    expect((await runCli(['counter', 'get', `${parent}/a/b`])).stdout).toBe('0');
    expect(await client.exists(parent)).toBeNull();
    const bad = await runCli(['counter', 'add', `${parent}/a/b`, '1.5']);
    expect(bad.code).toBe(2);
    expect(await client.exists(parent)).toBeNull();
    expect((await runCli(['counter', 'add', `${parent}/a/b`, '-3'])).stdout).toBe('-3');
    expect((await client.getData(`${parent}/a/b`)).data.toString()).toBe('-3');
    const json = await runCli(['counter', 'incr', `${parent}/a/b`, '-o', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ value: '-2', previous: '-3', format: 'text', created: false });
  });
});
