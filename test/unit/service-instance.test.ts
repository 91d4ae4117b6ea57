import { describe, expect, it } from 'vitest';
import { buildInstance, defaultAddress, endpointOf, invalidSegment, parseInstance, parseUriSpec } from '../../src/recipes/discovery/service-instance.js';
import { pickRandom, sortInstances, type InstanceEntry } from '../../src/recipes/discovery/queries.js';
import { README_EXAMPLE, SPRING_CLOUD_REGISTRATION } from '../fixtures/curator-instances.js';

const entry = (name: string, json: unknown): InstanceEntry => {
  const data = Buffer.from(typeof json === 'string' ? json : JSON.stringify(json));
  return { name, path: `/services/api/${name}`, data, stat: { czxid: 1n, mzxid: 1n } as never, parsed: parseInstance(data) };
};

describe('ServiceInstance JSON (Curator)', () => {
  it("reads Curator's README example and a Spring Cloud registration, with Curator's defaults for absent fields", () => {
    const readme = parseInstance(Buffer.from(JSON.stringify(README_EXAMPLE)));
    expect(readme.ok && readme.instance).toMatchObject({ name: 'test', address: '10.20.30.40', port: 1234, sslPort: null, payload: 'From Test', serviceType: 'STATIC', uriSpec: null, enabled: true });
    const spring = parseInstance(Buffer.from(JSON.stringify(SPRING_CLOUD_REGISTRATION)));
    expect(spring.ok && spring.stored).toEqual(SPRING_CLOUD_REGISTRATION);
    // TestJsonInstanceSerializer.testNoEnabledState: no "enabled" means enabled.
    const minimal = parseInstance(Buffer.from('{"name":"a","id":"b","enabled":false}'));
    expect(minimal.ok && minimal.instance).toMatchObject({ enabled: false, serviceType: 'DYNAMIC', registrationTimeUTC: 0 });
  });

  it('says why data is not a ServiceInstance', () => {
    const reason = (text: string): string | undefined => {
      const p = parseInstance(Buffer.from(text));
      return p.ok ? undefined : p.reason;
    };
    expect(reason('')).toBe('no data');
    expect(reason('nope')).toBe('not JSON');
    expect(reason('[1]')).toBe('not a JSON object');
    expect(reason('{"id":"x"}')).toBe('"name" is not a string');
    expect(reason('{"name":"a","id":"b","port":"80"}')).toBe('"port" is not a port number');
    expect(reason('{"name":"a","id":"b","serviceType":"LIVE"}')).toMatch(/"serviceType" is not one of DYNAMIC/);
  });

  it('builds a DYNAMIC instance in Jackson field order, nulls written, uriSpec parsed as Curator does', () => {
    const i = buildInstance({ name: 'api', id: 'x', address: '10.0.0.1', port: 80, uriSpec: '{scheme}://{address}:{port}', registrationTimeUTC: 5 });
    expect(Object.keys(i)).toEqual(Object.keys(SPRING_CLOUD_REGISTRATION));
    expect(i).toMatchObject({ sslPort: null, payload: null, serviceType: 'DYNAMIC', uriSpec: SPRING_CLOUD_REGISTRATION.uriSpec });
    expect(parseUriSpec('{ a }/b/{c}').parts).toEqual([
      { value: 'a', variable: true },
      { value: '/b/', variable: false },
      { value: 'c', variable: true },
    ]);
    expect(() => parseUriSpec('{a')).toThrow(/not closed/);
    expect(() => parseUriSpec('a}')).toThrow(/must follow/);
  });

  it('endpoints, names, the default address (first non-loopback, non-link-local IPv4)', () => {
    expect(endpointOf(buildInstance({ name: 'a', id: 'b', address: 'h', sslPort: 443 }))).toBe('h:443');
    expect(endpointOf(buildInstance({ name: 'a', id: 'b', address: '::1', port: 80 }))).toBe('[::1]:80');
    expect(invalidSegment('a/b', 'service name')).toMatch(/slash/);
    expect(invalidSegment('..', 'id')).toMatch(/relative/);
    expect(invalidSegment('api-1', 'id')).toBeUndefined();
    expect(
      defaultAddress({
        lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
        eth0: [
          { address: 'fe80::1', family: 'IPv6', internal: false },
          { address: '169.254.3.3', family: 'IPv4', internal: false },
          { address: '10.1.2.3', family: 'IPv4', internal: false },
        ],
        eth1: [{ address: '192.168.1.5', family: 4, internal: false }],
      }),
    ).toBe('10.1.2.3');
    expect(defaultAddress({ lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }] })).toBeUndefined();
  });

  it('sorts stably by address, port, id, invalid last; --random picks only valid, enabled instances with a port', () => {
    const entries = [
      entry('z', 'garbage'),
      entry('b', { name: 'api', id: 'b', address: '10.0.0.1', port: 9000 }),
      entry('a', { name: 'api', id: 'a', address: '10.0.0.1', port: 9000 }),
      entry('c', { name: 'api', id: 'c', address: '10.0.0.1', port: 80 }),
      entry('d', { name: 'api', id: 'd', address: '10.0.0.2', port: 1, enabled: false }),
      entry('e', { name: 'api', id: 'e', address: '10.0.0.3' }),
    ];
    expect(sortInstances(entries).map((e) => e.name)).toEqual(['c', 'a', 'b', 'd', 'e', 'z']);
    const picked = new Set([0, 0.34, 0.67, 0.99].map((r) => pickRandom(entries, '/services/api', () => r).name));
    expect(picked).toEqual(new Set(['a', 'b', 'c']));
    expect(() => pickRandom([entries[0]!, entries[4]!], '/services/api')).toThrow(/2 registered, none valid and enabled/);
  });
});
