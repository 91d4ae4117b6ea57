import { NoNodeError, joinPath, type Stat, type Watcher, type ZkClient, childrenOrNone } from '../../zk/index.js';
import { endpointOf, parseInstance, type ParsedInstance } from './service-instance.js';

/** One child of `<base>/<service>`: its node, and its data read as a ServiceInstance (or why not). */
export interface InstanceEntry {
  /** The node name (Curator: the instance id). */
  name: string;
  path: string;
  stat: Stat;
  data: Buffer;
  parsed: ParsedInstance;
}

/** A service with no instance node found: `instances` are missing, not an error (Curator returns an empty list). */
export class NoInstanceError extends NoNodeError {
  constructor(path: string, why: string) {
    super(path);
    this.message = `no instance of ${path} ${why}`;
  }
}

/** One instance node read (undefined when it vanished meanwhile). */
export async function readInstance(client: ZkClient, path: string, name: string, watcher?: Watcher): Promise<InstanceEntry | undefined> {
  try {
    const { data, stat } = await client.getData(path, watcher);
    return { name, path, stat, data, parsed: parseInstance(data) };
  } catch (error) {
    if (error instanceof NoNodeError) return undefined;
    throw error;
  }
}

/** A stable order: by address, then port, then id (node name), so two listings of one state are identical. */
export function sortInstances(entries: InstanceEntry[]): InstanceEntry[] {
  const key = (e: InstanceEntry): [string, number, string] =>
    e.parsed.ok ? [e.parsed.instance.address ?? '', e.parsed.instance.port ?? e.parsed.instance.sslPort ?? 0, e.name] : ['\uffff', 0, e.name];
  return [...entries].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka[0] < kb[0] ? -1 : ka[0] > kb[0] ? 1 : ka[1] - kb[1] || (ka[2] < kb[2] ? -1 : ka[2] > kb[2] ? 1 : 0);
  });
}

/** The instances of a service, sorted; none when the service node does not exist. Reads go out together. */
export async function listInstances(client: ZkClient, base: string, service: string): Promise<InstanceEntry[]> {
  const parent = joinPath(base, service);
  const children = await childrenOrNone(client, parent);
  const entries = await Promise.all(children.map((name) => readInstance(client, joinPath(parent, name), name)));
  return sortInstances(entries.filter((e): e is InstanceEntry => e !== undefined));
}

/** The services under a base with how many instance nodes each has, sorted by name. */
export async function listServices(client: ZkClient, base: string): Promise<Array<{ name: string; instances: number }>> {
  const children = await childrenOrNone(client, base);
  const counted = await Promise.all(
    children.map(async (name) => {
      const stat = await client.exists(joinPath(base, name));
      return stat ? { name, instances: stat.numChildren } : undefined;
    }),
  );
  return counted.filter((s): s is { name: string; instances: number } => s !== undefined);
}

/**
 * What Curator's ServiceProvider would hand out: valid, enabled instances with an address and a port.
 * `random` picks one uniformly (RandomStrategy); NoInstanceError when there is none.
 */
export function usableInstances(entries: InstanceEntry[]): InstanceEntry[] {
  return entries.filter((e) => e.parsed.ok && e.parsed.instance.enabled !== false && endpointOf(e.parsed.instance) !== undefined);
}

export function pickRandom(entries: InstanceEntry[], path: string, random: () => number = Math.random): InstanceEntry {
  const usable = usableInstances(entries);
  if (usable.length === 0) {
    throw new NoInstanceError(path, entries.length === 0 ? 'is registered' : `is usable (${entries.length} registered, none valid and enabled with an address and port)`);
  }
  return usable[Math.min(usable.length - 1, Math.floor(random() * usable.length))]!;
}
