import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SupervisedChild } from '../../src/process/child.js';

/**
 * The keeper's deadline is absolute: it is when the server last provably heard zk-coord plus the margin, so
 * neither a late spawn nor a renewal that waited in the pipe can stretch it; the relative deadline caps every
 * renewal. Real processes (the Perl keeper and a shell command), no ZooKeeper needed.
 */
const LONG = { shell: 'exec sleep 30' };

async function timeToDeath(child: SupervisedChild, startedAt: number): Promise<{ status: number; ms: number }> {
  const status = await child.exited;
  return { status, ms: Date.now() - startedAt };
}

describe('the keeper deadline', () => {
  it('a first deadline already past: the command is never started (status 137 at once), not a relative deadline later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zk-coord-keeper-deadline-'));
    const marker = join(dir, 'ran');
    const started = Date.now();
    const child = new SupervisedChild({ shell: `touch ${marker}; exec sleep 30` }, { env: process.env, deadlineMs: 20_000, deadlineAt: started - 1, cleanupGraceMs: 0 });
    const { status, ms } = await timeToDeath(child, started);
    expect(status).toBe(137);
    expect(ms).toBeLessThan(5000);
    expect(existsSync(marker)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a renewal to an absolute moment: killed then, although the relative deadline is far', async () => {
    const started = Date.now();
    const child = new SupervisedChild(LONG, { env: process.env, deadlineMs: 20_000, cleanupGraceMs: 0 });
    child.renew(Date.now() + 300);
    const { status, ms } = await timeToDeath(child, started);
    expect(status).toBe(137);
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(10_000);
  });

  it('a renewal asking for more than the relative deadline is capped by it', async () => {
    const started = Date.now();
    const child = new SupervisedChild(LONG, { env: process.env, deadlineMs: 400, cleanupGraceMs: 0 });
    child.renew(Date.now() + 60_000);
    const { status, ms } = await timeToDeath(child, started);
    expect(status).toBe(137);
    expect(ms).toBeLessThan(20_000);
  });

  it('renewals without a moment keep it alive by the relative deadline, and it dies once they stop', async () => {
    const started = Date.now();
    const child = new SupervisedChild(LONG, { env: process.env, deadlineMs: 400, cleanupGraceMs: 0 });
    const timer = setInterval(() => child.renew(), 100);
    let exitedEarly = false;
    void child.exited.then(() => (exitedEarly = Date.now() - started < 1200));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    clearInterval(timer);
    expect(exitedEarly).toBe(false);
    const { status } = await timeToDeath(child, started);
    expect(status).toBe(137);
  });
});
