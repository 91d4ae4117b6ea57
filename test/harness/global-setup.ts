import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { INSTALL_HINT, findInstallation, launchEnsemble, stopNodeAndWait, type LaunchedEnsemble } from '../../src/server/launcher.js';

/** Tick of the test servers: sessions may be 1–10 s, so expiry tests take seconds. */
export const TEST_TICK_MS = 500;

let ensemble: LaunchedEnsemble | undefined;
let baseDir: string | undefined;

/** One standalone ZooKeeper 3.8 for the whole run, on a free loopback port. */
export async function setup(project: TestProject): Promise<void> {
  if (!findInstallation()) {
    throw new Error(`${INSTALL_HINT} (then run npm test again)`);
  }
  baseDir = mkdtempSync(join(tmpdir(), 'zk-coord-test-'));
  ensemble = await launchEnsemble({
    size: 1,
    baseDir,
    tickTimeMs: TEST_TICK_MS,
    enforceQuota: true,
    ownerPid: process.pid,
    // The container reaper every 100 ms instead of every 60 s: an empty container (Curator's lock parents,
    // our --compat ones) is deleted at once, so a test that assumes it survives fails every run, not once
    // a minute (as the interop semaphore test did in CI).
    systemProperties: { 'znode.container.checkIntervalMs': '100' },
  });
  project.provide('zkConnect', ensemble.connectString);
  project.provide('zkBaseDir', baseDir);
}

export async function teardown(): Promise<void> {
  for (const node of ensemble?.nodes ?? []) await stopNodeAndWait(node);
  if (baseDir) rmSync(baseDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    zkConnect: string;
    zkBaseDir: string;
  }
}
