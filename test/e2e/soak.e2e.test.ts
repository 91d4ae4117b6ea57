import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The 60-second version of the exclusivity soak (bench/soak.mjs; the 10-minute run and its figures are in
 * docs/BENCHMARKS.md). Lighter than the benchmark for a 2-core run beside the rest of the suite (whose
 * timing-sensitive tests need their share of the CPU): 6 claim holders (IDs 1..4, so two always wait) and 2
 * elect candidates instead of 20 and 5. It starts its own
 * 3-node ensemble, fault proxies and holders, and stops all of them itself.
 */
const SOAK = fileURLToPath(new URL('../../bench/soak.mjs', import.meta.url));

interface SoakResult {
  durationS: number;
  operations: { zkCoordStarts: number; holds: number; handovers: number; heartbeats: number };
  faults: Record<string, number>;
  observer: { checks: number; maxCheckGapMs: number };
  sigkillGroupDeathMs: { samples: number; max: number; over1s: number };
  violations: number;
  violationList: unknown[];
}

let soak: ReturnType<typeof spawn> | undefined;
afterAll(() => {
  // Only if the test itself timed out: the holders then see their parent gone and release, the servers stop with their owner.
  if (soak && soak.exitCode === null) soak.kill('SIGKILL');
});

/** Processes whose command line names a soak's temporary folder (holders' commands, zk-coord, servers). */
function soakProcesses(): string[] {
  try {
    return execFileSync('pgrep', ['-af', 'zk-coord-soak-'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('exclusivity soak, 60 s', () => {
  it('under SIGTERM, SIGKILL, SIGSTOP, blackholes and a server restart, no ID and no leadership is ever held by two command groups at once', async () => {
    soak = spawn(process.execPath, [SOAK, '--duration', '60', '--claims', '6', '--candidates', '2', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    soak.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    soak.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => soak!.on('close', resolve));
    const last = stdout.trim().split('\n').pop() ?? '';
    expect(last.startsWith('{'), `soak printed no result; stderr: ${stderr}`).toBe(true);
    const result = JSON.parse(last) as SoakResult;
    expect(result.violationList, stderr).toEqual([]);
    expect(result.violations).toBe(0);
    expect(code).toBe(0);
    // It did what it says: every kind of fault, holders that came and went, IDs and leadership that changed hands.
    for (const kind of ['sigterm', 'sigkill', 'sigstop<T/2', 'sigstop>5T/8', 'blackhole<T', 'blackhole>T', 'server restart']) {
      expect(result.faults[kind], kind).toBeGreaterThan(0);
    }
    expect(result.operations.zkCoordStarts).toBeGreaterThan(8);
    expect(result.operations.handovers).toBeGreaterThan(5);
    // Checked every 25 ms; on average at least every 50 ms even on a loaded machine.
    expect(result.observer.checks).toBeGreaterThan((result.durationS * 1000) / 50 / 2);
    expect(result.sigkillGroupDeathMs.over1s).toBe(0);
    // Nothing of it outlives it.
    expect(soakProcesses()).toEqual([]);
  }, 180_000);
});
