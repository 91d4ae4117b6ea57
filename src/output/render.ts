/** Pure renderings of domain results as text lines and JSON objects. No I/O here. */
import type { ChildrenEvent } from '../recipes/watch/children-watch.js';
import type { DataEvent } from '../recipes/watch/data-watch.js';
import type { TreeEntry } from '../zk/tree.js';
import { describeLoss, hex, type Stat, type StateChangeEvent, type ZkClient } from '../zk/index.js';
import { escapeControl, plural, previewData } from './escape.js';

/** Data in JSON: UTF-8 text as is, anything else as base64 (flagged), so every byte survives. */
export function dataJson(data: Buffer): { value: string; encoding?: 'base64' } {
  const text = data.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(data)) return { value: text };
  return { value: data.toString('base64'), encoding: 'base64' };
}

export function statJson(stat: Stat): Record<string, unknown> {
  return {
    czxid: hex(stat.czxid),
    mzxid: hex(stat.mzxid),
    pzxid: hex(stat.pzxid),
    ctime: stat.ctime.toISOString(),
    mtime: stat.mtime.toISOString(),
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: stat.ephemeralOwner === 0n ? null : hex(stat.ephemeralOwner),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  };
}

/** The stat block as zkCli's `stat` prints it (its fields, in its order; dates as `formatDate` writes them). */
export function statLines(stat: Stat, formatDate: (date: Date) => string = (d) => d.toUTCString()): string[] {
  return [
    `cZxid = ${hex(stat.czxid)}`,
    `ctime = ${formatDate(stat.ctime)}`,
    `mZxid = ${hex(stat.mzxid)}`,
    `mtime = ${formatDate(stat.mtime)}`,
    `pZxid = ${hex(stat.pzxid)}`,
    `cversion = ${stat.cversion}`,
    `dataVersion = ${stat.version}`,
    `aclVersion = ${stat.aversion}`,
    `ephemeralOwner = ${hex(stat.ephemeralOwner)}`,
    `dataLength = ${stat.dataLength}`,
    `numChildren = ${stat.numChildren}`,
  ];
}

/**
 * `now` is when the line is printed: the session expires a whole timeout after the server last heard from us,
 * which was before the disconnect was noticed, so what is left is counted from the last reply, not from now.
 */
export function describeStateLine(client: ZkClient, event: StateChangeEvent, now = Date.now()): string {
  if (event.state === 'suspended') {
    // zk-coord itself counts the session as lost once no reply has proved for T that the server heard us.
    const left = Math.max(0, client.heardUsAt + client.sessionTimeoutMs - now);
    return `connection to ${client.server ?? 'ZooKeeper'} lost; session ${client.sessionIdHex} may still be alive (it expires unless a server is reached within ${left} ms; last reply ${now - client.lastHeardAt} ms ago)`;
  }
  if (event.state === 'connected') return `reconnected to ${event.server ?? client.server ?? 'ZooKeeper'}, same session ${client.sessionIdHex}`;
  return `connection ${event.state}`;
}

export function describeLossLine(event: StateChangeEvent): string {
  return describeLoss(event.reason ?? 'expired');
}

/** One `ls` entry: name, then (two spaces apart, so `cut -d' ' -f1` still works) what kind of node it is. */
export function treeEntryLine(entry: TreeEntry, options: { full: boolean; long: boolean }): string {
  const name = escapeControl(options.full ? entry.path : entry.name);
  const parts = [name];
  if (entry.unreadable) parts.push('[not authorised]');
  if (entry.stat && entry.stat.ephemeralOwner !== 0n) parts.push(`[ephemeral ${hex(entry.stat.ephemeralOwner)}]`);
  if (options.long && entry.stat) {
    parts.push(`v${entry.stat.version}`, `${entry.stat.dataLength}B`);
    if (entry.data && entry.data.length > 0) parts.push(previewData(entry.data, 60));
  }
  return parts.join('  ');
}

export function treeEntryJson(entry: TreeEntry, long: boolean): Record<string, unknown> {
  const json: Record<string, unknown> = {
    path: entry.path,
    name: entry.name,
    ephemeralOwner: entry.stat && entry.stat.ephemeralOwner !== 0n ? hex(entry.stat.ephemeralOwner) : null,
  };
  if (long && entry.stat) json.stat = statJson(entry.stat);
  if (long && entry.data) json.data = dataJson(entry.data);
  if (entry.unreadable) json.readable = false;
  return json;
}

export function childrenEventLines(event: ChildrenEvent): string[] {
  if (event.initial) {
    return event.exists ? [`${event.path}: ${plural(event.children.length, 'child', 'children')}`, ...event.children.map((c) => `  ${escapeControl(c)}`)] : [`${event.path}: does not exist`];
  }
  if (!event.exists) return [`deleted  ${event.path}`];
  return [...event.added.map((c) => `added    ${escapeControl(c)}`), ...event.removed.map((c) => `removed  ${escapeControl(c)}`)];
}

export function childrenEventJson(event: ChildrenEvent): Record<string, unknown> {
  return {
    event: event.initial ? 'initial' : event.exists ? 'children' : 'deleted',
    path: event.path,
    exists: event.exists,
    children: event.children,
    added: event.added,
    removed: event.removed,
  };
}

export function dataEventLine(event: DataEvent): string {
  const when = 'resync' in event && event.resync ? ' (while disconnected)' : '';
  switch (event.kind) {
    case 'initial':
      return event.exists ? `initial  ${event.path}  version ${event.stat.version}  ${previewData(event.data, 200)}` : `initial  ${event.path}  (does not exist)`;
    case 'created':
    case 'changed':
      return `${event.kind.padEnd(8)} ${event.path}  version ${event.stat.version}${when}  ${previewData(event.data, 200)}`;
    case 'deleted':
      return `deleted  ${event.path}${when}`;
  }
}

export function dataEventJson(event: DataEvent): Record<string, unknown> {
  const json: Record<string, unknown> = { event: event.kind, path: event.path };
  if (event.kind === 'initial') json.exists = event.exists;
  if ('resync' in event) json.resync = event.resync;
  if ('stat' in event) {
    json.version = event.stat.version;
    json.mzxid = hex(event.stat.mzxid);
    Object.assign(json, dataJson(event.data));
  }
  return json;
}
