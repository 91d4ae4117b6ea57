import { readFileSync, readdirSync } from 'node:fs';

/**
 * Whether a process group has a member that is not a zombie. kill(-pgid, 0) counts zombies, and an init that
 * reaps slowly (containers, where PID 1 is often not a real init) would keep a dead group "alive" for seconds.
 * Linux has /proc to tell; elsewhere, kill's answer stands.
 */
export function groupHasLiveMember(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}
