import type { ContendersView, ContenderView } from '../recipes/contenders/contenders.js';
import type { LeasePoolView } from '../recipes/contenders/lease-pool.js';
import { hex } from '../zk/index.js';
import { escapeControl } from './escape.js';
import { compatValue, type Convention } from '../recipes/contenders/conventions.js';

export type StatusRecipe = 'lock' | 'elect';

/** Who the library is, as --compat names it (curator, curator-latch, kazoo, zk-coord), or "hand-made" for a node of no known convention. */
function libraryOf(contender: ContenderView, recipe: StatusRecipe): string {
  return contender.convention ? compatValue(contender.convention, recipe) : 'hand-made';
}

/**
 * `lock status` / `elect status`: the holders (or the leader) first, then the queue in the order its
 * library uses, one line each: role, node, library, session, data (Curator's default data is the client's IP).
 * A conflict is the caller's warning (stderr). `slots`: `lock status --limit N`; without it, several exclusive
 * zk-coord contenders may be a `--limit` semaphore whose N nobody stored.
 */
export function contendersLines(path: string, view: ContendersView, held: string, options: { recipe: StatusRecipe; slots?: number | undefined }): string[] {
  const limit = options.slots !== undefined ? `, first ${options.slots} hold` : '';
  const lines = [`${path}  (${view.convention.label} order${limit})`];
  if (view.contenders.length === 0) lines.push('no contenders');
  let waiting = 0;
  for (const contender of view.contenders) {
    const role = contender.holds ? held : `waiting ${(waiting += 1)}`;
    const kind = contender.reader ? ' (read)' : '';
    lines.push(`${role.padEnd(10)} ${contender.node.name}  ${libraryOf(contender, options.recipe)}${kind}  session ${hex(contender.session)}  ${escapeControl(contender.data)}`.trimEnd());
  }
  if (options.recipe === 'lock' && options.slots === undefined && looksLikeSlots(view)) {
    lines.push('limit unknown: if this is a lock --limit N semaphore, the first N hold (pass lock status --limit N)');
  }
  return lines;
}

/** Several exclusive zk-coord contenders: a queue for a lock, or the slots of a --limit semaphore (N is not stored). */
function looksLikeSlots(view: ContendersView): boolean {
  return view.convention.id === 'zk-coord' && view.contenders.filter((c) => !c.reader).length > 1;
}

export function contendersJson(path: string, view: ContendersView, options: { recipe: StatusRecipe; slots?: number | undefined }): Record<string, unknown> {
  return {
    path,
    convention: compatValue(view.convention, options.recipe),
    layout: view.convention.id,
    conflict: view.conflict ?? null,
    ...(options.recipe === 'lock' ? { limit: options.slots ?? null } : {}),
    contenders: view.contenders.map((c) => ({
      node: c.node.name,
      library: libraryOf(c, options.recipe),
      mode: c.reader ? 'read' : 'exclusive',
      holds: c.holds,
      session: hex(c.session),
      data: c.data,
      token: c.token.toString(),
    })),
  };
}

/**
 * `lock status` on a mutex-guarded lease pool (Curator InterProcessSemaphoreV2, kazoo Semaphore): the
 * leases, then the mutex's queue (its first holds the mutex: it is taking a lease, or waits for one).
 */
export function leasePoolLines(path: string, view: LeasePoolView): string[] {
  const { layout } = view;
  const limit = view.maxLeases !== undefined ? `, max leases ${view.maxLeases}` : '';
  const lines = [`${path}  (${layout.label}: leases under ${layout.leasesPath(path)}, mutex ${layout.mutexPath(path)}${limit})`];
  if (view.leases.length === 0 && view.queue.length === 0) lines.push('no leases');
  for (const lease of view.leases) {
    const role = lease.state === 'holds' ? 'holder' : 'acquiring';
    lines.push(`${role.padEnd(10)} ${lease.name}  session ${hex(lease.session)}  ${escapeControl(lease.data)}`.trimEnd());
  }
  for (const [index, contender] of view.queue.entries()) {
    const note = index === 0 ? '  (holds the mutex)' : '';
    lines.push(`${`waiting ${index + 1}`.padEnd(10)} ${contender.node.name}  session ${hex(contender.session)}  ${escapeControl(contender.data)}${note}`.trimEnd());
  }
  return lines;
}

export function leasePoolJson(path: string, view: LeasePoolView, conflict?: string): Record<string, unknown> {
  return {
    path,
    convention: view.layout.compat,
    layout: view.layout.id,
    conflict: conflict ?? null,
    maxLeases: view.maxLeases ?? null,
    leasesPath: view.layout.leasesPath(path),
    mutexPath: view.layout.mutexPath(path),
    leases: view.leases.map((l) => ({ node: l.name, holds: l.state === 'holds', state: l.state, session: hex(l.session), data: l.data, token: l.token.toString() })),
    queue: view.queue.map((c, index) => ({ node: c.node.name, holdsMutex: index === 0, session: hex(c.session), data: c.data, token: c.token.toString() })),
  };
}

/**
 * A contender of another library joined a path we hold: its client orders contenders its own way and may
 * believe it holds beside us. The fix is the same `--compat` on every zk-coord of the path.
 */
export function foreignContenderLine(recipe: StatusRecipe, path: string, node: string, theirs: Convention, ours: Convention): string {
  const what = recipe === 'lock' ? 'the lock' : 'leadership';
  return `a ${theirs.label} contender (${escapeControl(node)}) joined ${path} while we hold ${what} as ${ours.label}: that library orders contenders its own way and may believe it holds beside us; give every zk-coord on this path --compat ${compatValue(theirs, recipe)}`;
}
