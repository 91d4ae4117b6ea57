import { NodeExistsError, hex, joinPath, type Acl, type Stat, type ZkClient } from '../../zk/index.js';
import { tryCreateEphemeral } from '../ownership.js';
import { withParent } from '../parents.js';
import { Wakeup } from '../wakeup.js';
import { serializeInstance, type ServiceInstance } from './service-instance.js';

/** The instance id is registered by another live session (or as a persistent node): never overwritten. */
export class InstanceTakenError extends NodeExistsError {
  constructor(
    path: string,
    readonly owner: bigint,
  ) {
    super(path);
    this.message =
      owner === 0n
        ? `instance ${path} already exists as a persistent node (a STATIC or PERMANENT registration); choose another --id`
        : `instance ${path} is registered by another live session ${hex(owner)}; choose another --id`;
  }
}

export type RegistrationEvent =
  /** The node is still held by a lost session of ours; ZooKeeper deletes it when that session expires. */
  { type: 'stale'; path: string; owner: string };

export interface RegisterOptions {
  /** Base path of the services (Curator's basePath; Spring Cloud Zookeeper: /services). */
  base: string;
  instance: ServiceInstance;
  /** Our earlier sessions (lost): a node one of them still holds is waited for, not a conflict. */
  previousSessions?: readonly bigint[] | undefined;
  signal?: AbortSignal | undefined;
  onEvent?: (event: RegistrationEvent) => void;
  /** ACL of the instance node (`--acl creator`), and of the parents it creates. */
  acl?: readonly Acl[] | undefined;
  parentAcl?: readonly Acl[] | undefined;
}

export function instancePath(base: string, service: string, id: string): string {
  return joinPath(joinPath(base, service), id);
}

/**
 * Registers an instance as the ephemeral node `<base>/<name>/<id>` holding its Curator JSON, and resolves once
 * the node is certainly ours. Unlike Curator (ServiceDiscoveryImpl.internalRegisterService deletes and
 * re-creates an existing node), a node held by anyone else is never replaced: InstanceTakenError. A node left
 * by one of our own lost sessions is waited for (it goes when that session expires).
 */
export async function registerInstance(client: ZkClient, options: RegisterOptions): Promise<{ path: string; stat: Stat }> {
  const { instance } = options;
  const parent = joinPath(options.base, instance.name);
  const path = joinPath(parent, instance.id);
  const previous = new Set(options.previousSessions ?? []);
  const data = serializeInstance(instance);
  return withParent(client, parent, options.parentAcl, () => createInstance(client, path, data, previous, options));
}

async function createInstance(client: ZkClient, path: string, data: Buffer, previous: ReadonlySet<bigint>, options: RegisterOptions): Promise<{ path: string; stat: Stat }> {
  const gone = new Wakeup();
  for (;;) {
    const result = await tryCreateEphemeral(client, path, data, { identifyHolder: true, acl: options.acl });
    if ('stat' in result) return { path, stat: result.stat };
    const owner = result.holder ?? 0n;
    if (!previous.has(owner)) throw new InstanceTakenError(path, owner);
    options.onEvent?.({ type: 'stale', path, owner: hex(owner) });
    gone.reset();
    if ((await client.exists(path, gone.watcher)) === null) continue;
    await gone.wait(client, { signal: options.signal, what: `${path} to be freed` });
  }
}
