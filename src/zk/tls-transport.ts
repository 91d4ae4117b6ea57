/**
 * TLS to ZooKeeper's `secureClientPort`, under node-zookeeper-client 1.1.3, which only knows `net.connect`.
 *
 * The library's ConnectionManager opens every socket in one method, `connect()` (lib/ConnectionManager.js:
 * `self.socket = net.connect(server)` inside `findNextServer`), binds its handlers to that socket, and never
 * touches the transport anywhere else: it writes frames, reads `data`, sets a ping timeout, destroys. So we
 * replace that one method on the instance with the same steps over `tls.connect()`, handing the library's
 * `onSocketConnected` the `secureConnect` event instead of `connect` (its ConnectRequest must not be written
 * before the handshake has verified the server). Everything above the socket — framing, the session, the
 * watchdog and the expiry timer of ZkClient, host rotation, reconnects — is unchanged and sees plaintext.
 * The design and its cost are in docs/TLS.md. Loaded only when TLS is asked for: node:tls costs ~5 ms of a
 * one-shot command's start-up.
 */
import { createSecureContext, checkServerIdentity, connect as tlsConnect, type SecureContext, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { RawState, type LibConnectionManager, type LibServer } from './library.js';
import { TlsConfigError, TlsHandshakeError, type TlsOptions } from './tls-options.js';

/** Checks the settings once (parsing the PEM now, not on every reconnect) and returns the shared context. */
export function secureContextFor(options: TlsOptions): SecureContext {
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new TlsConfigError('a client certificate needs its key and a key its certificate (--tls-cert with --tls-key)');
  }
  for (const [name, pem] of [['CA', options.ca], ['client certificate', options.cert]] as const) {
    // Node takes a CA "bundle" without one certificate in it silently, and then trusts nothing.
    if (pem !== undefined) checkCertificates(name, pem);
  }
  try {
    return createSecureContext({
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.cert !== undefined ? { cert: options.cert } : {}),
      ...(options.key !== undefined ? { key: options.key } : {}),
    });
  } catch (error) {
    throw new TlsConfigError(`unusable TLS settings: ${(error as Error).message}`);
  }
}

function checkCertificates(name: string, pem: string | Buffer): void {
  const blocks = pem.toString().match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new TlsConfigError(`unusable TLS settings: no PEM certificate in the ${name} file`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new TlsConfigError(`unusable TLS settings: a certificate in the ${name} file does not parse (${(error as Error).message})`);
    }
  }
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/** Turns what Node/OpenSSL reports into one reason naming what to change. */
export function describeTlsFailure(error: NodeJS.ErrnoException, context: { sentCertificate: boolean; handshakeDone: boolean; servername: string }): TlsHandshakeError {
  const code = error.code;
  const tag = code ? ` [${code}]` : '';
  if (code && UNTRUSTED.has(code)) return new TlsHandshakeError(`TLS: server certificate is not signed by a trusted CA (--tls-ca)${tag}`, true, code);
  if (code === 'CERT_HAS_EXPIRED') return new TlsHandshakeError(`TLS: server certificate has expired${tag}`, true, code);
  if (code === 'CERT_NOT_YET_VALID') return new TlsHandshakeError(`TLS: server certificate is not yet valid${tag}`, true, code);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new TlsHandshakeError(`TLS: server certificate does not match "${context.servername}" (--tls-servername to verify another name)${tag}`, true, code);
  }
  if (code?.startsWith('ERR_SSL_')) {
    // An alert the server sent: with ssl.clientAuth=need, no certificate gives "bad certificate" (TLS 1.2) or
    // "certificate required" (1.3); one it does not trust gives "unknown ca", an expired one "certificate expired".
    const alert = /ALERT_(.+)$/.exec(code)?.[1]?.toLowerCase().replaceAll('_', ' ');
    if (alert && /certificate|unknown ca|handshake failure|access denied/.test(alert)) {
      const why = context.sentCertificate
        ? `the server rejected our client certificate (${alert})`
        : `the server requires a client certificate (--tls-cert and --tls-key); it answered "${alert}"`;
      return new TlsHandshakeError(`TLS: ${why}${tag}`, true, code);
    }
    if (code.includes('WRONG_VERSION_NUMBER') || code.includes('PACKET_LENGTH_TOO_LONG') || code.includes('RECORD_LAYER')) {
      return new TlsHandshakeError(`TLS: the server does not speak TLS on this port (a plain client port? drop --tls)${tag}`, true, code);
    }
    return new TlsHandshakeError(`TLS: ${alert ?? error.message}${tag}`, true, code);
  }
  if (!context.handshakeDone && (code === 'ECONNRESET' || code === 'EPIPE' || /before secure TLS connection/.test(error.message))) {
    // ZooKeeper's plain port reads a ClientHello as a frame length of ~370 MB and hangs up.
    return new TlsHandshakeError('TLS: the server closed the connection during the TLS handshake (a plain client port? drop --tls)', false, code);
  }
  return new TlsHandshakeError(`TLS: ${code ?? error.message}`, false, code);
}

export interface TlsTransport {
  /** The name each host's certificate is verified against. */
  servernameFor(server: LibServer): string;
}

/**
 * Makes the ConnectionManager open TLS sockets. Call before `connect()`. Socket errors reach the library's
 * `onSocketError` (and our hooks on it) as TlsHandshakeError, with a reason.
 */
export function installTlsTransport(cm: LibConnectionManager, options: TlsOptions): TlsTransport {
  const context = secureContextFor(options);
  const servernameFor = (server: LibServer): string => options.servername ?? server.host;
  const sentCertificate = options.cert !== undefined;
  // Hosts that hung up during the handshake, in a row: twice is no accident but a plain port.
  const hangUps = new Map<string, number>();
  cm.connect = function connectOverTls(this: LibConnectionManager) {
    cm.setState(RawState.CONNECTING);
    cm.findNextServer((server) => {
      const servername = servernameFor(server);
      const socket: TLSSocket = tlsConnect({
        host: server.host,
        port: server.port,
        secureContext: context,
        // SNI carries names only; an IP address is verified against the certificate's IP entries.
        ...(isIP(servername) === 0 ? { servername } : {}),
        rejectUnauthorized: options.insecure !== true,
        checkServerIdentity: (_host, cert) => checkServerIdentity(servername, cert),
      });
      cm.socket = socket;
      // The library's own per-host connect timer, until the handshake is done (it clears it in onSocketConnected).
      cm.connectTimeoutHandler = setTimeout(() => cm.onSocketConnectTimeout(), cm.connectTimeout);
      socket.setNoDelay();
      let handshakeDone = false;
      const hostKey = `${server.host}:${server.port}`;
      socket.on('secureConnect', () => {
        handshakeDone = true;
        hangUps.delete(hostKey);
        cm.onSocketConnected();
      });
      socket.on('data', (buffer: Buffer) => cm.onSocketData(buffer));
      socket.on('drain', () => cm.onSocketDrain());
      socket.on('close', (hadError: boolean) => cm.onSocketClosed(hadError));
      socket.on('error', (error: NodeJS.ErrnoException) => {
        let failure = describeTlsFailure(error, { sentCertificate, handshakeDone, servername });
        if (!handshakeDone && !failure.definitive && failure.code === 'ECONNRESET') {
          const count = (hangUps.get(hostKey) ?? 0) + 1;
          hangUps.set(hostKey, count);
          if (count >= 2) failure = new TlsHandshakeError(failure.message, true, failure.code);
        }
        cm.onSocketError(failure);
      });
    });
  };
  return { servernameFor };
}

/**
 * Whether a host answers a TLS ClientHello as a TLS server (a handshake, or a TLS alert such as "certificate
 * required"). For a plain client whose ConnectRequest got hung up on: a TLS port does exactly that.
 */
export function speaksTls(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, ...(isIP(host) === 0 ? { servername: host } : {}) });
    const done = (answer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    timer.unref();
    socket.once('secureConnect', () => done(true));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code?.startsWith('ERR_SSL_') === true && /ALERT/.test(error.code)));
    socket.once('close', () => done(false));
  });
}

/** A verified TLS socket to one host (four-letter words over the secure port); ready on `secureConnect`. */
export function openTlsSocket(host: string, port: number, options: TlsOptions): TLSSocket {
  const servername = options.servername ?? host;
  return tlsConnect({
    host,
    port,
    secureContext: secureContextFor(options),
    ...(isIP(servername) === 0 ? { servername } : {}),
    rejectUnauthorized: options.insecure !== true,
    checkServerIdentity: (_h, cert) => checkServerIdentity(servername, cert),
  });
}
