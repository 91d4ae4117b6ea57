/**
 * zkCli's own output shapes, for `zk-coord shell`, where a zkCli user expects them line for line: `ls` as
 * `[a, b]`, `stat` with Java's date format, `Created /path`, `WatchedEvent state:… type:… path:…`. Pure
 * renderings, no I/O. Where zkCli and zk-coord agree (the stat fields and their order), render.ts has the one
 * definition.
 */
import type { WatchEventType } from '../zk/index.js';
import { hex, type Stat } from '../zk/index.js';
import { statJson, statLines } from './render.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

function zoneName(date: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName');
  return part?.value ?? 'UTC';
}

/** java.util.Date#toString, as zkCli prints ctime and mtime: `Tue Dec 01 21:08:00 UTC 2026` (local time). */
export function javaDate(date: Date): string {
  const time = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  return `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${two(date.getDate())} ${time} ${zoneName(date)} ${date.getFullYear()}`;
}

export function zkStatLines(stat: Stat): string[] {
  return statLines(stat, javaDate);
}

/** `ls`: the children as Java prints a list. */
export function childrenListLine(children: readonly string[]): string {
  return `[${children.join(', ')}]`;
}

const EVENT_NAMES: Record<WatchEventType, string> = {
  created: 'NodeCreated',
  deleted: 'NodeDeleted',
  changed: 'NodeDataChanged',
  children: 'NodeChildrenChanged',
};

/** A one-shot watch firing, as zkCli's default watcher prints it. */
export function watchedEventLine(type: WatchEventType, path: string): string {
  return `WatchedEvent state:SyncConnected type:${EVENT_NAMES[type]} path:${path}`;
}

export function watchedEventJson(type: WatchEventType, path: string): Record<string, unknown> {
  return { watchedEvent: EVENT_NAMES[type], state: 'SyncConnected', path };
}

export function statResultJson(path: string, stat: Stat): Record<string, unknown> {
  return { path, stat: statJson(stat) };
}

export interface SessionInfo {
  server: string | undefined;
  state: string;
  sessionId: bigint;
  sessionTimeoutMs: number;
  /** User names of the digest credentials this session presents (never the passwords). */
  users: readonly string[];
}

/** `whoami`: what zkCli's whoami tells (who the server takes us for) and what it does not (the session). */
export function sessionInfoLines(info: SessionInfo): string[] {
  return [
    `session: ${hex(info.sessionId)}`,
    `server: ${info.server ?? '-'}`,
    `state: ${info.state}`,
    `session timeout: ${info.sessionTimeoutMs} ms`,
    `auth: ${info.users.length > 0 ? info.users.map((u) => `digest:${u}`).join(', ') : 'none (world:anyone)'}`,
  ];
}

export function sessionInfoJson(info: SessionInfo): Record<string, unknown> {
  return {
    session: hex(info.sessionId),
    server: info.server ?? null,
    state: info.state,
    sessionTimeoutMs: info.sessionTimeoutMs,
    auth: info.users.map((u) => ({ scheme: 'digest', user: u })),
  };
}

/** `history`: zkCli's numbered lines. */
export function historyLines(entries: ReadonlyArray<{ number: number; line: string }>): string[] {
  return entries.map((e) => `${e.number} - ${e.line}`);
}
