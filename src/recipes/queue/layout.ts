/**
 * kazoo's LockingQueue layout (kazoo/recipe/queue.py, checked against python3-kazoo 2.8), so kazoo producers
 * and consumers share a queue with zk-coord:
 *   <path>/entries/entry-PPP-<seq>   persistent sequential, the item's bytes; PPP the priority 000–999, lower first
 *   <path>/taken/<entry name>        ephemeral, while a consumer holds the entry (kazoo stores its uuid4 hex)
 * The order is the names' sort (kazoo `sorted(values)`): priority, then the sequence of `entries`, which every
 * priority shares, so FIFO within one. kazoo's default priority is 100.
 */
import { joinPath } from '../../zk/index.js';

export const DEFAULT_PRIORITY = 100;
export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 999;

const ENTRY_NAME = /^entry-(\d{3})-(-?\d{10})$/;

export function entriesPath(queue: string): string {
  return joinPath(queue, 'entries');
}

export function takenPath(queue: string): string {
  return joinPath(queue, 'taken');
}

/** The prefix a new entry is created with (the server appends the sequence). */
export function entryPrefix(queue: string, priority: number): string {
  return joinPath(entriesPath(queue), `entry-${String(priority).padStart(3, '0')}-`);
}

export interface EntryName {
  name: string;
  priority: number;
  sequence: number;
}

/** An entry's priority and sequence, or undefined for a child that is not an entry. */
export function parseEntryName(name: string): EntryName | undefined {
  const match = ENTRY_NAME.exec(name);
  return match ? { name, priority: Number(match[1]), sequence: Number(match[2]) } : undefined;
}

/** Entries in the order they are taken (kazoo sorts the names: priority, then sequence). */
export function entryOrder(children: readonly string[]): string[] {
  return children.filter((c) => parseEntryName(c) !== undefined).sort();
}
