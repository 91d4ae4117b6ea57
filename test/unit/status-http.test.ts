import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { HolderStatus } from '../../src/hold/status.js';
import { renderMetrics } from '../../src/http/metrics.js';
import { parseHttpAddress } from '../../src/http/status-server.js';

describe('--http address', () => {
  it('is loopback unless a host is spelled out', () => {
    expect(parseHttpAddress('8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseHttpAddress('0.0.0.0:4040')).toEqual({ host: '0.0.0.0', port: 4040 });
    expect(parseHttpAddress('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(() => parseHttpAddress('70000')).toThrow(/expected \[host:\]port/);
    expect(() => parseHttpAddress('host:')).toThrow();
  });
});

class FakeSession extends EventEmitter {
  state = 'connected' as const;
  lastHeardAt = Date.now();
  heardUsAt = Date.now();
  sessionTimeoutMs = 4000;
  sessionIdHex = '0x1';
}

describe('holder status', () => {
  it('emits once per real change, with an increasing sequence; counts suspensions and reconnects', () => {
    const status = new HolderStatus({ recipe: 'elect', path: '/e"x\\y\n', role: 'follower', name: 'n' });
    const seen: number[] = [];
    status.on('change', (s) => seen.push(s.sequence));
    const session = new FakeSession();
    status.attach(session as never);
    status.update({ leader: 'a' });
    status.update({ leader: 'a' });
    status.update({ role: 'leader' });
    session.emit('state', { state: 'suspended', previous: 'connected' });
    session.emit('state', { state: 'connected', previous: 'suspended' });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(status.counters).toMatchObject({ suspensions: 1, reconnects: 1, leadershipChanges: 1 });
    const text = renderMetrics(status);
    // Label values escaped as the text format requires.
    expect(text).toContain('leader_election_master_status{name="/e\\"x\\\\y\\n"} 1');
    expect(text.endsWith('\n')).toBe(true);
  });
});
