import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { closeClients, newClient, uniquePath } from '../harness/zk.js';

const cacheHome = mkdtempSync(join(tmpdir(), 'zk-coord-cache-'));
const folder = join(cacheHome, 'zk-coord');
afterEach(closeClients);
afterAll(() => rmSync(cacheHome, { recursive: true, force: true }));

describe('the bin keeps V8 code cache between runs', () => {
  it('writes it on the first run into a private folder, uses it after, and survives a corrupt one', async () => {
    const p = uniquePath('cached');
    const c = await newClient();
    await c.create(p, Buffer.from('value'));
    const env = { XDG_CACHE_HOME: cacheHome };
    expect((await runCli(['config', 'get', p], { env })).stdout).toBe('value');
    const [file, listed] = readdirSync(folder).sort();
    expect(file).toMatch(/\.v8cache$/);
    expect(listed).toBe(`${file}.commands`);
    expect(readFileSync(join(folder, listed!), 'utf8')).toBe('config get\n');
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    const written = statSync(join(folder, file!)).mtimeMs;
    // Another install's cache (another folder's bundle) is left alone when this one writes.
    const other = 'aaaaaaaaaaaa-0-x64-1-1.v8cache';
    writeFileSync(join(folder, other), 'another install');
    // Used, not rewritten; lazily loaded modules (chalk, for the coloured error) still load through it.
    const coloured = await runCli(['config', 'get', `${p}-missing`], { env: { ...env, FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(coloured.code).toBe(5);
    expect(coloured.stderr).toContain('\u001b[31merror: node does not exist');
    expect(statSync(join(folder, file!)).mtimeMs).toBe(written);
    // A command the cache has not seen is captured too (the cache grows to what this user runs), once.
    expect((await runCli(['ls', p], { env })).code).toBe(0);
    expect(readFileSync(join(folder, listed!), 'utf8')).toBe('config get\nls\n');
    expect(readdirSync(folder)).toContain(other);
    rmSync(join(folder, other));
    const grown = statSync(join(folder, file!));
    expect(grown.mtimeMs).toBeGreaterThan(written);
    expect((await runCli(['ls', p], { env })).code).toBe(0);
    expect(statSync(join(folder, file!)).mtimeMs).toBe(grown.mtimeMs);
    // A corrupt cache is rejected by V8: the run still works and the cache is written again.
    writeFileSync(join(folder, file!), 'not a code cache');
    expect((await runCli(['config', 'get', p], { env })).stdout).toBe('value');
    expect(statSync(join(folder, file!)).size).toBeGreaterThan(1000);
    // And it can be turned off.
    rmSync(folder, { recursive: true, force: true });
    expect((await runCli(['config', 'get', p], { env: { ...env, ZK_COORD_NO_COMPILE_CACHE: '1' } })).stdout).toBe('value');
    expect(() => readdirSync(folder)).toThrow();
  });
});
