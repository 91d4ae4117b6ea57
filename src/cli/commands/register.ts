import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { Command } from 'commander';
import { registrationStep } from '../../hold/index.js';
import { buildInstance, defaultAddress, endpointOf, invalidSegment, type ServiceInstance } from '../../recipes/discovery/service-instance.js';
import { validatePath } from '../../zk/index.js';
import { UsageError } from '../exit-codes.js';
import { HOLDER_HELP, addHolderOptions, holderAcl, holderResult, runHolder, type HolderFlags } from '../holding.js';
import { checkTargetPath, parsePort } from '../options.js';
import { subcommand, type App } from '../program.js';

interface RegisterFlags extends HolderFlags {
  port?: number;
  sslPort?: number;
  address?: string;
  id?: string;
  payload?: string;
  uriSpec?: string;
  base: string;
  once?: boolean;
}

/** The instance from the flags, or a UsageError: nothing is created for bad input. */
function instanceFrom(service: string, flags: RegisterFlags, noteDefault: (text: string) => void): ServiceInstance {
  const bad = invalidSegment(service, 'service name') ?? (flags.id !== undefined ? invalidSegment(flags.id, '--id') : undefined);
  if (bad) throw new UsageError(bad);
  const badBase = validatePath(flags.base);
  if (badBase) throw new UsageError(`--base ${flags.base}: ${badBase}`);
  checkTargetPath(flags.base, '--base', true);
  if (flags.port === undefined && flags.sslPort === undefined) throw new UsageError('give --port (and/or --ssl-port): the port this instance serves on');
  let payload: unknown;
  if (flags.payload !== undefined) {
    try {
      payload = JSON.parse(flags.payload);
    } catch (error) {
      throw new UsageError(`--payload is not JSON: ${(error as Error).message}`);
    }
  }
  let address = flags.address;
  if (address === undefined) {
    address = defaultAddress(networkInterfaces()) ?? '127.0.0.1';
    noteDefault(address);
  } else if (address.length === 0) {
    throw new UsageError('--address is empty');
  }
  try {
    return buildInstance({ name: service, id: flags.id ?? randomUUID(), address, port: flags.port, sslPort: flags.sslPort, payload, uriSpec: flags.uriSpec });
  } catch (error) {
    throw new UsageError(`--uri-spec: ${(error as Error).message}`);
  }
}

export function registerRegister(program: Command, app: App): void {
  const register = subcommand(program, 'register', 'register an instance of a service (Curator / Spring Cloud Zookeeper discovery) while this process lives')
    .argument('<service>', 'service name (one path segment)')
    .option('--port <n>', 'the port this instance serves on', parsePort)
    .option('--ssl-port <n>', 'its TLS port (with or instead of --port)', parsePort)
    .option('--address <host>', "address to reach it at (default: the machine's first non-loopback IPv4 address, as Curator)")
    .option('--id <id>', 'instance id, the node name (default: a random UUID)')
    .option('--payload <json>', 'any JSON stored as the instance payload (Spring Cloud: {"@class":"…ZookeeperInstance",…})')
    .option('--uri-spec <spec>', "Curator's uriSpec, such as '{scheme}://{address}:{port}'")
    .option('--base <path>', 'base path of the services (Curator basePath; Spring Cloud Zookeeper: /services)', '/services')
    .option('--once', 'after a lost session, exit 4 (stopping the command) instead of registering again');
  addHolderOptions(register, 'while registered').addHelpText(
    'after',
    `
Creates the ephemeral node <base>/<service>/<id> holding Curator's ServiceInstance JSON (serviceType DYNAMIC)
and prints the id on stdout (JSON: the instance as stored; with a command, stdout is the command's and the id
goes to stderr). SIGINT/SIGTERM deregister at once (exit 0); a
process killed with SIGKILL disappears when ZooKeeper expires its session.

A registration is advisory: being disconnected does not stop the command, and after a lost session the same
id is registered again with a new session while the command keeps running (Curator re-registers on
reconnect); --once exits 4 instead. A node with the same id held by another live session is a conflict (exit
6), never overwritten.

The command (--exec or after --) gets ZK_COORD_SERVICE, ZK_COORD_INSTANCE_ID, ZK_COORD_PATH and
ZK_COORD_SESSION (the first session's); the registration lives exactly as long as the command, and zk-coord
exits with its code.
${HOLDER_HELP}

Examples:
  zk-coord register api --port 8001                          # terminal 1 (and 8002, 8003 in others)
  zk-coord register api --port 8080 -- node server.js       # registered while the server runs
  curl "http://$(zk-coord discover api --random)/health"`,
  );
  register.action(async (service: string, flags: RegisterFlags) => {
    const ctx = app.context();
    const { printer } = ctx;
    const command = ctx.childCommand(flags.exec);
    const instance = instanceFrom(service, flags, (address) => printer.note(`--address not given: using ${address}`));
    const previous: bigint[] = [];
    const acl = holderAcl(ctx, flags);
    let registered = false;
    await runHolder(ctx, flags, command, {
      again: false,
      advisory: flags.once !== true,
      status: { recipe: 'register', path: `${flags.base}/${service}`, name: instance.id, held: 'holder', waiting: 'waiting' },
      acquire: (client) =>
        registrationStep(client, {
          ...acl,
          base: flags.base,
          instance,
          previousSessions: previous,
          onEvent: (event) => printer.note(`${event.path} is still held by our lost session ${event.owner}; ZooKeeper deletes it when that session expires`),
        }),
      env: (hold, client) => ({
        ZK_COORD_SERVICE: service,
        ZK_COORD_INSTANCE_ID: instance.id,
        ZK_COORD_PATH: hold.path,
        ZK_COORD_SESSION: client.sessionIdHex,
      }),
      announce: (hold, client) => {
        if (registered) {
          printer.note(`registered ${hold.path} again with session ${client.sessionIdHex}`);
          return;
        }
        registered = true;
        holderResult(printer, command !== undefined, command ? `registered instance ${instance.id}` : instance.id, instance);
        printer.note(`registered ${endpointOf(instance) ?? instance.address ?? ''} as ${hold.path} (session ${client.sessionIdHex}); Ctrl+C deregisters`);
      },
      beforeAgain: (client) => previous.push(client.sessionId),
    });
  });
}
