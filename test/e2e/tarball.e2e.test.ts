import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { uniquePath, zkConnect } from '../harness/zk.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'zk-coord-tarball-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * The lockfile of a project that depends on the tarball alone: the tarball's entry (its integrity) and our
 * lockfile's production packages, so `npm ci --offline` installs it from npm's cache with no network and no
 * registry metadata (a fresh `npm install <tgz>` needs the registry's package documents).
 */
function consumerLockfile(tarballFile: string, tarball: string): string {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown> & { dev?: boolean }> };
  const own = lock.packages[''] as { version: string; dependencies: Record<string, string>; bin: Record<string, string>; engines: Record<string, string> };
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarballFile)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { 'zk-coord': `file:${tarball}` } },
    'node_modules/zk-coord': { version: own.version, resolved: `file:${tarball}`, integrity, dependencies: own.dependencies, bin: own.bin, engines: own.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
  return JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 1);
}

describe('the packed tarball', () => {
  it('holds the built CLI and no install script; installed offline, npx zk-coord runs with nothing built on the spot', async () => {
    // --ignore-scripts: the suite built dist/ already (prepack would build it again, as `npm pack` does for a release).
    const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], ROOT);
    expect(pack.code, pack.stderr).toBe(0);
    const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/zk-coord.cjs', 'dist/cli/zk-coord.cjs', 'dist/cli/terminal.cjs', 'dist/index.js', 'docker-compose.yml']));
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);

    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // npm runs none of these for a tarball's consumer only if there are none: prepare, install and friends.
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts[script], script).toBeUndefined();

    const consumer = join(scratch, 'consumer');
    await run('mkdir', ['-p', consumer], scratch);
    await run('mv', [join(scratch, packed!.filename), consumer], scratch);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, dependencies: { 'zk-coord': `file:${packed!.filename}` } }));
    writeFileSync(join(consumer, 'package-lock.json'), consumerLockfile(join(consumer, packed!.filename), packed!.filename));
    const install = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], consumer);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/prepare|install script/i);

    const help = await run('npx', ['--offline', 'zk-coord', '--help'], consumer);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: zk-coord');
    const p = uniquePath('tarball');
    const set = await run('npx', ['--offline', 'zk-coord', 'config', 'set', p, 'from the tarball'], consumer, { ZK_COORD_SERVER: zkConnect() });
    expect(set.code, set.stderr).toBe(0);
    const get = await run('npx', ['--offline', 'zk-coord', 'config', 'get', p], consumer, { ZK_COORD_SERVER: zkConnect() });
    expect(get.stdout).toBe('from the tarball');
  }, 120_000);
});
