import type { HolderStatus } from '../hold/status.js';

/** Prometheus text format 0.0.4, written by hand (a handful of gauges and counters: Prometheus's client-library guidance allows it). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  const body = Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');
  return body ? `{${body}}` : '';
}

/**
 * The metrics of one holder. Neutral names (Patroni's 4.0 rename of `patroni_master` broke dashboards), base
 * units, `_total` counters; `leader_election_master_status{name}` as client-go exports it, so existing
 * dashboards read an election as they read a Kubernetes lease (`name`: the election's path).
 */
export function renderMetrics(status: HolderStatus): string {
  const s = status.snapshot();
  const c = status.counters;
  const base = { recipe: s.recipe, path: s.path };
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [Record<string, string>, number][]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of samples) out.push(`${name}${labels(l)} ${Number.isFinite(v) ? v : 0}`);
  };
  metric(
    'zk_coord_connection_state',
    'gauge',
    'Connection to ZooKeeper: 1 for the current state.',
    (['connecting', 'connected', 'suspended', 'lost'] as const).map((state) => [{ state }, s.connection === state ? 1 : 0]),
  );
  metric('zk_coord_held', 'gauge', 'Whether this process holds (leads the election, holds the lock or the ID).', [[base, status.held ? 1 : 0]]);
  if (s.recipe === 'elect') {
    metric('zk_coord_leader', 'gauge', 'Whether this candidate leads the election.', [[base, s.role === 'leader' ? 1 : 0]]);
    metric('leader_election_master_status', 'gauge', 'Whether this candidate leads the election (client-go compatible; name is the election path).', [
      [{ name: s.path }, s.role === 'leader' ? 1 : 0],
    ]);
  }
  metric('zk_coord_reconnects_total', 'counter', 'Reconnections: after a suspension, or with a new session after a loss.', [[{}, c.reconnects]]);
  metric('zk_coord_suspensions_total', 'counter', 'Times the connection dropped or went silent.', [[{}, c.suspensions]]);
  metric('zk_coord_session_expirations_total', 'counter', 'Sessions lost (expired, or given up after the whole timeout).', [[{}, c.expirations]]);
  metric('zk_coord_leadership_changes_total', 'counter', 'Times this process started or stopped holding.', [[{}, c.leadershipChanges]]);
  const age = status.contactAgeMs();
  metric('zk_coord_last_server_contact_seconds', 'gauge', 'Seconds since the last byte from a ZooKeeper server.', [[{}, age === undefined ? 0 : age / 1000]]);
  metric('zk_coord_status_sequence', 'gauge', 'Sequence number of the last state change (as in /events).', [[{}, s.sequence]]);
  return `${out.join('\n')}\n`;
}
