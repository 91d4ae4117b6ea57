/**
 * Apache Curator's ServiceInstance as JSON (curator-x-discovery: ServiceInstance.java, serialised by
 * details/JsonInstanceSerializer.java with Jackson), which Spring Cloud Zookeeper and Dubbo write too. Fields,
 * in Jackson's order: name, id (strings, required), address (string or null), port and sslPort (Integer: a
 * number or null), payload (any JSON; typed Java payloads carry Jackson's "@class" property, from
 * `@JsonTypeInfo(use=Id.CLASS, defaultImpl=Object.class)` on getPayload), registrationTimeUTC (long, epoch
 * ms), serviceType (enum name: DYNAMIC, STATIC, PERMANENT, DYNAMIC_SEQUENTIAL), uriSpec (null or
 * `{"parts":[{"value":…,"variable":…}]}`), and since CURATOR-275 `enabled` (boolean, absent = true). We write
 * the pre-CURATOR-275 shape (no `enabled`), which is what JsonInstanceSerializer's compatible mode and the
 * Spring Cloud Zookeeper registrations seen in the field write, and which every Curator version reads.
 */

export const SERVICE_TYPES = ['DYNAMIC', 'STATIC', 'PERMANENT', 'DYNAMIC_SEQUENTIAL'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export interface UriSpecPart {
  value: string;
  variable: boolean;
}

/** A ServiceInstance as Curator's JSON has it. */
export interface ServiceInstance {
  name: string;
  id: string;
  address: string | null;
  port: number | null;
  sslPort: number | null;
  payload: unknown;
  registrationTimeUTC: number;
  serviceType: ServiceType;
  uriSpec: { parts: UriSpecPart[] } | null;
  enabled?: boolean;
}

/** Why a service name or instance id cannot be one path segment; undefined when it can. */
export function invalidSegment(value: string, what: string): string | undefined {
  if (value.length === 0) return `${what} is empty`;
  if (value.includes('/')) return `${what} "${value}" contains a slash`;
  if (value === '.' || value === '..') return `${what} "${value}" is a relative path segment`;
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return `${what} contains a control character`;
  }
  return undefined;
}

/**
 * Curator's UriSpec parsing (UriSpec.java): `{name}` is a variable part (trimmed), the rest literal;
 * unbalanced braces are an error.
 */
export function parseUriSpec(spec: string): { parts: UriSpecPart[] } {
  const parts: UriSpecPart[] = [];
  let inside = false;
  for (const token of spec.split(/([{}])/)) {
    if (token === '{') {
      if (inside) throw new Error('"{" is not allowed inside a variable');
      inside = true;
    } else if (token === '}') {
      if (!inside) throw new Error('"}" must follow "{"');
      inside = false;
    } else if (token !== '') {
      parts.push({ value: inside ? token.trim() : token, variable: inside });
    }
  }
  if (inside) throw new Error('the last variable is not closed with "}"');
  return { parts };
}

export interface NewInstance {
  name: string;
  id: string;
  address: string;
  port?: number | undefined;
  sslPort?: number | undefined;
  payload?: unknown;
  uriSpec?: string | undefined;
  registrationTimeUTC?: number;
}

/** A DYNAMIC (ephemeral) instance, in Curator's field order. */
export function buildInstance(options: NewInstance): ServiceInstance {
  return {
    name: options.name,
    id: options.id,
    address: options.address,
    port: options.port ?? null,
    sslPort: options.sslPort ?? null,
    payload: options.payload === undefined ? null : options.payload,
    registrationTimeUTC: options.registrationTimeUTC ?? Date.now(),
    serviceType: 'DYNAMIC',
    uriSpec: options.uriSpec !== undefined ? parseUriSpec(options.uriSpec) : null,
  };
}

export function serializeInstance(instance: ServiceInstance): Buffer {
  return Buffer.from(JSON.stringify(instance), 'utf8');
}

export type ParsedInstance =
  /** `stored` is the JSON exactly as stored (parsed), `instance` its reading with Curator's defaults. */
  | { ok: true; stored: Record<string, unknown>; instance: ServiceInstance }
  | { ok: false; reason: string };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * Reads an instance node's data as Curator would (absent fields take the defaults of ServiceInstance's
 * deserialisation constructor: no ports, DYNAMIC, enabled), or says why it is not a ServiceInstance.
 * Unknown fields are ignored, as JsonInstanceSerializer does (FAIL_ON_UNKNOWN_PROPERTIES off).
 */
export function parseInstance(data: Buffer): ParsedInstance {
  if (data.length === 0) return { ok: false, reason: 'no data' };
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const o = value as Record<string, unknown>;
  for (const key of ['name', 'id'] as const) {
    if (typeof o[key] !== 'string') return { ok: false, reason: `"${key}" is not a string` };
  }
  if (o.address !== undefined && o.address !== null && typeof o.address !== 'string') return { ok: false, reason: '"address" is not a string' };
  for (const key of ['port', 'sslPort'] as const) {
    const v = o[key];
    if (v !== undefined && v !== null && !(isInt(v) && v >= 0 && v <= 65535)) return { ok: false, reason: `"${key}" is not a port number` };
  }
  if (o.registrationTimeUTC !== undefined && o.registrationTimeUTC !== null && !isInt(o.registrationTimeUTC)) {
    return { ok: false, reason: '"registrationTimeUTC" is not a whole number' };
  }
  if (o.serviceType !== undefined && o.serviceType !== null && !SERVICE_TYPES.includes(o.serviceType as ServiceType)) {
    return { ok: false, reason: `"serviceType" is not one of ${SERVICE_TYPES.join(', ')}` };
  }
  if (o.enabled !== undefined && o.enabled !== null && typeof o.enabled !== 'boolean') return { ok: false, reason: '"enabled" is not a boolean' };
  const uriSpec = o.uriSpec as ServiceInstance['uriSpec'] | undefined;
  const instance: ServiceInstance = {
    name: o.name as string,
    id: o.id as string,
    address: (o.address as string | null | undefined) ?? null,
    port: (o.port as number | null | undefined) ?? null,
    sslPort: (o.sslPort as number | null | undefined) ?? null,
    payload: o.payload ?? null,
    registrationTimeUTC: (o.registrationTimeUTC as number | null | undefined) ?? 0,
    serviceType: (o.serviceType as ServiceType | null | undefined) ?? 'DYNAMIC',
    uriSpec: uriSpec ?? null,
    enabled: o.enabled !== false,
  };
  return { ok: true, stored: o, instance };
}

/** `address:port` to reach an instance (the SSL port when it has no plain one); undefined without either. */
export function endpointOf(instance: ServiceInstance): string | undefined {
  const port = instance.port ?? instance.sslPort;
  if (port === null || instance.address === null) return undefined;
  // An IPv6 literal needs brackets before the port (what curl and URLs expect).
  const host = instance.address.includes(':') && !instance.address.startsWith('[') ? `[${instance.address}]` : instance.address;
  return `${host}:${port}`;
}

/** What os.networkInterfaces() returns, reduced to what the choice needs. */
export interface InterfaceAddress {
  address: string;
  family: string | number;
  internal: boolean;
}

/**
 * Curator's default address (ServiceInstance.builder(): the first of ServiceInstanceBuilder.getAllLocalIPs(),
 * which skips loopback and link-local addresses) restricted to IPv4: the first non-loopback, non-link-local
 * IPv4 address in the system's interface order. Undefined when there is none.
 */
export function defaultAddress(interfaces: Record<string, InterfaceAddress[] | undefined>): string | undefined {
  for (const addresses of Object.values(interfaces)) {
    for (const a of addresses ?? []) {
      const v4 = a.family === 'IPv4' || a.family === 4;
      if (v4 && !a.internal && !a.address.startsWith('127.') && !a.address.startsWith('169.254.')) return a.address;
    }
  }
  return undefined;
}
