import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CREATOR_ACL, CREATOR_PARENT_ACL, digestId, parseAcl, parseAclList, parseHolderAcl, redactAcl, BadArgumentsError } from '../../src/zk/index.js';
import { bitsToPerms, permsToBits } from '../../src/zk/acl.js';
import { describeTlsFailure, secureContextFor } from '../../src/zk/tls-transport.js';
import { TlsConfigError } from '../../src/zk/tls-options.js';
import { resolveSecurity } from '../../src/cli/security.js';
import { UsageError } from '../../src/cli/exit-codes.js';

describe('ACL notation', () => {
  it('parses zkCli forms', () => {
    expect(parseAcl('world:anyone:r')).toEqual({ scheme: 'world', id: 'anyone', perms: 'r' });
    expect(parseAcl('auth::cdrwa')).toEqual({ scheme: 'auth', id: '', perms: 'cdrwa' });
    expect(parseAcl('ip:10.0.0.0/8:r')).toEqual({ scheme: 'ip', id: '10.0.0.0/8', perms: 'r' });
    expect(parseAcl('digest:bob:x1nq8J5GOJVPY6zgzhtTtA9izLc=:rw')).toEqual({ scheme: 'digest', id: 'bob:x1nq8J5GOJVPY6zgzhtTtA9izLc=', perms: 'rw' });
    // Permissions come back in zkCli's order whatever order they were given in.
    expect(parseAcl('world:anyone:awrdc').perms).toBe('cdrwa');
    expect(bitsToPerms(permsToBits('cdrwa'))).toBe('cdrwa');
    expect(permsToBits('r')).toBe(1);
    expect(permsToBits('a')).toBe(16);
  });

  it('hashes digest-plain as DigestAuthenticationProvider: user:base64(sha1(user:password))', () => {
    const expected = createHash('sha1').update('carol:pa:ss,word').digest('base64');
    expect(parseAcl('digest-plain:carol:pa:ss,word:cdrwa')).toEqual({ scheme: 'digest', id: `carol:${expected}`, perms: 'cdrwa' });
    expect(digestId('carol', 'pa:ss,word')).toBe(`carol:${expected}`);
  });

  it('splits comma lists only where another ACL starts, so a password may hold commas', () => {
    expect(parseAclList(['world:anyone:r,ip:127.0.0.1:cdrwa']).map((a) => a.scheme)).toEqual(['world', 'ip']);
    expect(parseAclList(['digest-plain:u:a,b:rw,world:anyone:r'])).toEqual([
      { scheme: 'digest', id: digestId('u', 'a,b'), perms: 'rw' },
      { scheme: 'world', id: 'anyone', perms: 'r' },
    ]);
    expect(parseAclList(['creator'])).toEqual(CREATOR_ACL);
  });

  it('refuses malformed ACLs without echoing a password', () => {
    for (const bad of ['world', 'world:anyone', 'world:anyone:', 'world:bob:r', 'digest:bob:short:r', 'ip:host:r', ':x:r', 'sasl::r', 'world:anyone:q']) {
      expect(() => parseAcl(bad), bad).toThrow(BadArgumentsError);
    }
    let message = '';
    try {
      parseAcl('digest-plain:carol:Hunter-2:rwq');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/invalid permission/);
    expect(message).not.toContain('Hunter-2');
    expect(redactAcl('digest-plain:carol:Hunter-2:rw')).not.toContain('Hunter-2');
  });

  it('--acl creator needs credentials and protects new parents against deletes by others', () => {
    expect(() => parseHolderAcl(['creator'], false)).toThrow(/needs credentials/);
    expect(parseHolderAcl(['creator'], true)).toEqual({ acl: [...CREATOR_ACL], parentAcl: [...CREATOR_PARENT_ACL] });
    expect(CREATOR_PARENT_ACL.find((a) => a.scheme === 'world')?.perms).toBe('cr');
    expect(parseHolderAcl(['world:anyone:r'], false)).toEqual({ acl: [{ scheme: 'world', id: 'anyone', perms: 'r' }] });
  });
});

describe('TLS reasons', () => {
  const context = { sentCertificate: false, handshakeDone: false, servername: '127.0.0.1' };
  const error = (code: string, message = code): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

  it('names what to change, and which failures retrying cannot mend', () => {
    expect(describeTlsFailure(error('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), context)).toMatchObject({ definitive: true, message: expect.stringMatching(/trusted CA \(--tls-ca\)/) });
    expect(describeTlsFailure(error('SELF_SIGNED_CERT_IN_CHAIN'), context).message).toMatch(/trusted CA/);
    expect(describeTlsFailure(error('CERT_HAS_EXPIRED'), context).message).toMatch(/expired/);
    expect(describeTlsFailure(error('ERR_TLS_CERT_ALTNAME_INVALID'), context).message).toMatch(/does not match "127.0.0.1"/);
    expect(describeTlsFailure(error('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'), context).message).toMatch(/requires a client certificate/);
    expect(describeTlsFailure(error('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), context).message).toMatch(/requires a client certificate/);
    expect(describeTlsFailure(error('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'), { ...context, sentCertificate: true }).message).toMatch(/rejected our client certificate \(unknown ca\)/);
    expect(describeTlsFailure(error('ERR_SSL_WRONG_VERSION_NUMBER'), context).message).toMatch(/does not speak TLS/);
    const hangUp = describeTlsFailure(error('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'), context);
    expect(hangUp.definitive).toBe(false);
    expect(hangUp.message).toMatch(/plain client port\?/);
  });

  it('refuses unusable settings before any connection', () => {
    expect(() => secureContextFor({ ca: 'no certificate here' })).toThrow(TlsConfigError);
    expect(() => secureContextFor({ cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', key: 'x' })).toThrow(TlsConfigError);
    expect(() => secureContextFor({ key: 'x' })).toThrow(/needs its key/);
  });
});

describe('security options', () => {
  const pick = (values: Record<string, unknown>) => <T>(key: string): T => values[key] as T;

  it('--tls is implied by a CA, a certificate, a servername or --tls-insecure; nothing means no TLS', () => {
    expect(resolveSecurity(pick({}), {}).tls).toBeUndefined();
    expect(resolveSecurity(pick({ tls: true }), {}).tls).toEqual({});
    expect(resolveSecurity(pick({ tlsServername: 'zk.internal' }), {}).tls).toEqual({ servername: 'zk.internal' });
    expect(resolveSecurity(pick({ tlsInsecure: true }), {}).tls).toEqual({ insecure: true });
    expect(() => resolveSecurity(pick({ tlsCa: '/nonexistent/ca.pem' }), {})).toThrow(UsageError);
    expect(() => resolveSecurity(pick({ tlsCert: '/x.pem' }), {})).toThrow(/go together/);
  });

  it('credentials: ZK_COORD_AUTH first, then --auth-file', () => {
    expect(resolveSecurity(pick({}), { ZK_COORD_AUTH: 'a:b' }).auth).toBe('a:b');
    expect(resolveSecurity(pick({ authFile: '/nonexistent' }), { ZK_COORD_AUTH: 'a:b' }).auth).toBe('a:b');
    expect(() => resolveSecurity(pick({ authFile: '/nonexistent' }), {})).toThrow(/cannot read --auth-file/);
  });
});
