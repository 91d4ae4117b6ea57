import { joinPath } from '../../zk/index.js';
import { ConventionConflictError } from '../errors.js';

/** One contender node: its name, path and the 10-digit sequence the server appended. */
export interface ContenderNode {
  name: string;
  path: string;
  sequence: number;
}

/** What a contender is: the exclusive side (a lock, a writer, a semaphore slot), a reader, or a candidate. */
export type ContenderRole = 'exclusive' | 'reader' | 'candidate';

export type ConventionId = 'zk-coord' | 'curator-mutex' | 'curator-latch' | 'curator-rw' | 'kazoo';

/**
 * How one library names and orders the contenders of a lock or an election. The sorted-contenders core
 * (contenders.ts) takes one of these: our node is named as the library names its own, and every contender is
 * ordered as the library orders them, so the library's clients and ours agree on who holds and who is next.
 */
export interface Convention {
  readonly id: ConventionId;
  /** For messages: "Curator InterProcessMutex / LeaderSelector". */
  readonly label: string;
  /** The name we create, before the sequence the server appends; undefined: the library has no such role. */
  prefix(uuid: string, role: ContenderRole): string | undefined;
  /** Whether a node's name is one this library (or a zk-coord following it) makes: detection. */
  recognises(name: string): boolean;
  /** The children the library counts as contenders, in its order. */
  sort(parent: string, children: readonly string[]): ContenderNode[];
  /** Whether a contender is a reader for this library (readers share; every other contender excludes them). */
  isReader(name: string): boolean;
}

const SEQUENCE_SUFFIX = /(\d{10})$/;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export function contenderNode(parent: string, name: string): ContenderNode {
  const match = SEQUENCE_SUFFIX.exec(name);
  return { name, path: joinPath(parent, name), sequence: match ? Number(match[1]) : -1 };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Ours: by the 10-digit sequence suffix, whatever the prefix, so a node made by hand with
 * `zkCli.sh create -e -s /election/candidate "service3"` takes its place among ours (seed 002). Children
 * without a suffix are not contenders. (The server's counter is a signed 32-bit int; it wraps only after
 * 2^31 creates under one parent, which we do not handle.)
 */
export function sortContenders(parent: string, children: readonly string[]): ContenderNode[] {
  const nodes = children.filter((name) => SEQUENCE_SUFFIX.test(name)).map((name) => contenderNode(parent, name));
  return nodes.sort((a, b) => a.sequence - b.sequence || compareStrings(a.name, b.name));
}

/**
 * A reader by its name, as zk-coord's own convention reads every library's: ours (`read-<uuid>-`), kazoo's
 * ReadLock (`__rlock__`) and Curator's InterProcessReadWriteLock (`__READ__`).
 */
export function isReader(name: string): boolean {
  return name.startsWith('read-') || name.includes('__rlock__') || name.includes('__READ__');
}

const ZK_COORD_NAME = new RegExp(`^(?:lock|read|candidate)-${UUID}-\\d{10}$`);

export const ZK_COORD: Convention = {
  id: 'zk-coord',
  label: 'zk-coord',
  prefix: (uuid, role) => `${role === 'reader' ? 'read' : role === 'candidate' ? 'candidate' : 'lock'}-${uuid}-`,
  recognises: (name) => ZK_COORD_NAME.test(name),
  sort: sortContenders,
  isReader,
};

/**
 * Curator (LockInternals.getSortedChildren with StandardLockInternalsDriver.standardFixForSorting, read in
 * apache/curator and checked against the 5.4 jars): every child of the path is a contender; the sort key is the
 * text after the last occurrence of the lock name, or the whole name when it does not occur; keys compare as
 * Java strings (UTF-16 code units, as JavaScript's). Nodes are created `withProtection()`:
 * `_c_<uuid>-<lock name><sequence>`. InterProcessReadWriteLock strips both of its names (SortingLockInternalsDriver).
 */
function curatorSorter(lockNames: readonly string[]): (parent: string, children: readonly string[]) => ContenderNode[] {
  const key = (name: string): string => {
    let rest = name;
    for (const lockName of lockNames) {
      const index = rest.lastIndexOf(lockName);
      if (index >= 0) rest = rest.slice(index + lockName.length);
    }
    return rest;
  };
  return (parent, children) =>
    children
      .map((name) => ({ key: key(name), node: contenderNode(parent, name) }))
      .sort((a, b) => compareStrings(a.key, b.key))
      .map((entry) => entry.node);
}

function curatorName(lockNames: readonly string[]): RegExp {
  return new RegExp(`^_c_${UUID}-(?:${lockNames.join('|')})\\d{10}$`);
}

const CURATOR_MUTEX_NAME = curatorName(['lock-']);
export const CURATOR_MUTEX: Convention = {
  id: 'curator-mutex',
  label: 'Curator InterProcessMutex / LeaderSelector',
  prefix: (uuid, role) => (role === 'reader' ? undefined : `_c_${uuid}-lock-`),
  recognises: (name) => CURATOR_MUTEX_NAME.test(name),
  sort: curatorSorter(['lock-']),
  isReader: () => false,
};

const CURATOR_LATCH_NAME = curatorName(['latch-']);
/** LeaderLatch: the same sort with `latch-`; the first leads, each other one watches its predecessor. */
export const CURATOR_LATCH: Convention = {
  id: 'curator-latch',
  label: 'Curator LeaderLatch',
  prefix: (uuid, role) => (role === 'candidate' ? `_c_${uuid}-latch-` : undefined),
  recognises: (name) => CURATOR_LATCH_NAME.test(name),
  sort: curatorSorter(['latch-']),
  isReader: () => false,
};

const CURATOR_RW_NAME = curatorName(['__READ__', '__WRIT__']);
/**
 * InterProcessReadWriteLock: a writer holds when it is first (maxLeases 1); a reader holds while no node
 * containing `__WRIT__` is before it — every other node, ours or foreign, does not block a Curator reader.
 */
export const CURATOR_RW: Convention = {
  id: 'curator-rw',
  label: 'Curator InterProcessReadWriteLock',
  prefix: (uuid, role) => (role === 'reader' ? `_c_${uuid}-__READ__` : role === 'exclusive' ? `_c_${uuid}-__WRIT__` : undefined),
  recognises: (name) => CURATOR_RW_NAME.test(name),
  sort: curatorSorter(['__READ__', '__WRIT__']),
  isReader: (name) => !name.includes('__WRIT__'),
};

/**
 * kazoo (recipe/lock.py, 2.8.0 as Debian ships it): nodes `<uuid4 hex>__lock__<seq>` (Lock, WriteLock, and
 * Election, which is a Lock) and `<uuid4 hex>__rlock__<seq>` (ReadLock). Contenders are the children matching
 * `(?:__lock__|__rlock__)(-?\d{10})$`, sorted by the matched sequence as a string; other children are ignored —
 * the reason a zk-coord node of another convention does not exclude a kazoo holder. A plain kazoo Lock counts
 * `__lock__` only (a ReadLock does not hold it off: kazoo's own rule); a WriteLock both.
 */
const KAZOO_CONTENDER = /(?:__lock__|__rlock__)(-?\d{10})$/;
const KAZOO_NAME = /^[0-9a-f]{32}__(?:lock|rlock)__-?\d{10}$/;
export const KAZOO: Convention = {
  id: 'kazoo',
  label: 'kazoo Lock / Election / ReadLock / WriteLock',
  prefix: (uuid, role) => `${uuid.replaceAll('-', '')}${role === 'reader' ? '__rlock__' : '__lock__'}`,
  recognises: (name) => KAZOO_NAME.test(name),
  sort: (parent, children) =>
    children
      .map((name) => ({ match: KAZOO_CONTENDER.exec(name), name }))
      .filter((entry): entry is { match: RegExpExecArray; name: string } => entry.match !== null)
      .sort((a, b) => compareStrings(a.match[1]!, b.match[1]!))
      .map((entry) => contenderNode(parent, entry.name)),
  isReader: (name) => /__rlock__-?\d{10}$/.test(name),
};

export const CONVENTIONS: readonly Convention[] = [ZK_COORD, CURATOR_MUTEX, CURATOR_LATCH, CURATOR_RW, KAZOO];

/** The conventions of the nodes present (hand-made nodes, `candidate0000000001`, belong to none). */
export function conventionsPresent(children: readonly string[], exclude?: string): Convention[] {
  return CONVENTIONS.filter((convention) => children.some((name) => name !== exclude && convention.recognises(name)));
}

/** The convention a child was made under, if any. */
export function conventionOf(name: string): Convention | undefined {
  return CONVENTIONS.find((convention) => convention.recognises(name));
}

function roleWord(role: ContenderRole): string {
  return role === 'reader' ? 'a reader' : role === 'candidate' ? 'a candidate' : 'an exclusive holder';
}

/** Which conventions a contender may follow: `--compat`'s family, or every one its recipe joins (detection). */
export interface ConventionChoice {
  /** The conventions allowed; the first is taken on a path where none is present. */
  conventions: readonly Convention[];
  /** What the user asked for, for messages (`--compat kazoo`); undefined: detected. */
  asked?: string | undefined;
}

/**
 * The convention our contender follows on a path, from what is there: the one convention present, or the
 * choice's first on a path with none (zk-coord's when detecting). Refused (ConventionConflictError) when the
 * contenders disagree among themselves, when they follow a convention outside the choice (another `--compat`,
 * or one the recipe does not join: a LeaderLatch path is not a lock), or when the convention has no such role.
 * Hand-made nodes (`candidate0000000001`) belong to no convention and never decide.
 */
export function resolveConvention(path: string, children: readonly string[], choice: ConventionChoice, role: ContenderRole): Convention {
  const present = conventionsPresent(children);
  const labels = (list: readonly Convention[]): string => list.map((c) => `${c.label} (${c.id})`).join(' and ');
  if (present.length > 1) {
    throw new ConventionConflictError(path, `contenders disagree: ${labels(present)} are present; each library orders them its own way, so nobody can join safely`);
  }
  const outside = present.filter((c) => !choice.conventions.includes(c));
  if (outside.length > 0) {
    throw new ConventionConflictError(
      path,
      choice.asked
        ? `${choice.asked} asked for, but the contenders there follow ${labels(outside)}; their clients and ours would not agree on the order`
        : `the contenders there follow ${labels(outside)}, which this command does not join`,
    );
  }
  const chosen = present[0] ?? choice.conventions[0]!;
  if (chosen.prefix('x', role) === undefined) {
    throw new ConventionConflictError(path, `${labels([chosen])} has no ${roleWord(role).replace(/^an? /, '')}s: cannot join as ${roleWord(role)}`);
  }
  return chosen;
}

export const LOCK_COMPAT = ['curator', 'kazoo', 'zk-coord'] as const;
export const ELECTION_COMPAT = ['curator-latch', 'curator-selector', 'kazoo', 'zk-coord'] as const;

/**
 * The conventions a lock may follow. `curator`: InterProcessMutex for a plain lock, InterProcessReadWriteLock
 * for --read/--write (a writer joins a mutex path too: both are exclusive with one lease). Without --compat:
 * any of them, detected. A semaphore (--limit) as sorted contenders is ours only: Curator's
 * InterProcessSemaphoreV2 and kazoo's Semaphore are lease pools behind a mutex (lease-pool.ts).
 */
export function lockConventions(compat: (typeof LOCK_COMPAT)[number] | undefined, mode: 'plain' | 'read' | 'write' | 'limit'): ConventionChoice {
  const asked = compat ? `--compat ${compat}` : undefined;
  if (mode === 'limit') return { conventions: [ZK_COORD], asked };
  if (compat === 'curator') return { conventions: mode === 'read' ? [CURATOR_RW] : mode === 'write' ? [CURATOR_RW, CURATOR_MUTEX] : [CURATOR_MUTEX, CURATOR_RW], asked };
  if (compat === 'kazoo') return { conventions: [KAZOO], asked };
  if (compat === 'zk-coord') return { conventions: [ZK_COORD], asked };
  return { conventions: [ZK_COORD, CURATOR_MUTEX, CURATOR_RW, KAZOO] };
}

/**
 * The `--compat` value that selects a convention, as status reports it: `lock --compat curator` covers the mutex
 * and the read/write lock, `elect --compat curator-selector` is the mutex seen as an election.
 */
export function compatValue(convention: Convention, recipe: 'lock' | 'elect'): string {
  if (convention === CURATOR_MUTEX) return recipe === 'lock' ? 'curator' : 'curator-selector';
  if (convention === CURATOR_RW) return 'curator';
  return convention.id;
}

/** The conventions an election may follow: LeaderLatch, LeaderSelector (a mutex: `lock-`), kazoo Election (a Lock), ours. */
export function electionConventions(compat: (typeof ELECTION_COMPAT)[number] | undefined): ConventionChoice {
  const asked = compat ? `--compat ${compat}` : undefined;
  if (compat === 'curator-latch') return { conventions: [CURATOR_LATCH], asked };
  if (compat === 'curator-selector') return { conventions: [CURATOR_MUTEX], asked };
  if (compat === 'kazoo') return { conventions: [KAZOO], asked };
  if (compat === 'zk-coord') return { conventions: [ZK_COORD], asked };
  return { conventions: [ZK_COORD, CURATOR_LATCH, CURATOR_MUTEX, KAZOO] };
}
