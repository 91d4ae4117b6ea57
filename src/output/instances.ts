/** Pure renderings of service discovery results (register, discover) as text lines and JSON. No I/O here. */
import type { InstanceEntry } from '../recipes/discovery/queries.js';
import { endpointOf, type ServiceInstance } from '../recipes/discovery/service-instance.js';
import type { ServiceEvent } from '../recipes/discovery/service-watch.js';
import { escapeControl } from './escape.js';

function since(instance: ServiceInstance): string {
  return instance.registrationTimeUTC > 0 ? new Date(instance.registrationTimeUTC).toISOString() : '-';
}

/** `address:port  id  since` (two spaces apart, so `cut -d' ' -f1` gives the endpoint), or why it is invalid. */
export function instanceLine(entry: InstanceEntry): string {
  if (!entry.parsed.ok) return `(invalid)  ${escapeControl(entry.name)}  ${entry.parsed.reason}`;
  const { instance } = entry.parsed;
  const parts = [escapeControl(endpointOf(instance) ?? '(no address:port)'), escapeControl(instance.id), since(instance)];
  if (instance.port === null && instance.sslPort !== null) parts.push('ssl');
  if (instance.enabled === false) parts.push('disabled');
  if (instance.serviceType !== 'DYNAMIC') parts.push(instance.serviceType);
  return parts.join('  ');
}

/** The instances exactly as stored (valid ones; the invalid are reported apart). */
export function instancesJson(entries: InstanceEntry[]): Array<Record<string, unknown>> {
  return entries.flatMap((e) => (e.parsed.ok ? [e.parsed.stored] : []));
}

export function invalidInstanceNote(entry: InstanceEntry): string | undefined {
  return entry.parsed.ok ? undefined : `${escapeControl(entry.path)} is not a valid ServiceInstance: ${entry.parsed.reason}`;
}

export function servicesLines(base: string, services: Array<{ name: string; instances: number }>): string[] {
  return services.map((s) => `${escapeControl(s.name)}  ${s.instances} instance${s.instances === 1 ? '' : 's'}`);
}

export function serviceEventLines(event: ServiceEvent): string[] {
  if (event.kind === 'initial') return event.instances.map(instanceLine);
  const when = event.resync ? '  (while disconnected)' : '';
  return [`${event.kind.padEnd(8)} ${instanceLine(event.entry)}${when}`];
}

export function serviceEventJson(event: ServiceEvent): Record<string, unknown> {
  if (event.kind === 'initial') {
    return {
      event: 'initial',
      service: event.service,
      instances: instancesJson(event.instances),
      invalid: event.instances.filter((e) => !e.parsed.ok).map((e) => ({ id: e.name, path: e.path, reason: e.parsed.ok ? '' : e.parsed.reason })),
    };
  }
  const { entry } = event;
  return {
    event: event.kind,
    service: event.service,
    id: entry.name,
    path: entry.path,
    instance: entry.parsed.ok ? entry.parsed.stored : null,
    ...(entry.parsed.ok ? {} : { invalid: entry.parsed.reason }),
    resync: event.resync,
  };
}
