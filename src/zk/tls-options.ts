/**
 * TLS settings and errors, without node:tls (loaded, with tls-transport.ts, only when TLS is used).
 */
import { BadArgumentsError } from './errors.js';

/** TLS settings of a client. PEM contents, not paths: reading files is the caller's business. */
export interface TlsOptions {
  /** Trusted CA certificates (PEM); default: Node's bundled roots. */
  ca?: string | Buffer;
  /** Client certificate chain (PEM), for servers that require one (`ssl.clientAuth=need`). */
  cert?: string | Buffer;
  /** Private key of `cert` (PEM). */
  key?: string | Buffer;
  /** Verify every server's certificate against this name instead of the host in the connection string. */
  servername?: string;
  /** Do not verify the server's certificate at all (a warning is the caller's job). */
  insecure?: boolean;
}

/** The TLS settings themselves are unusable (bad PEM, a key that does not match the certificate…). */
export class TlsConfigError extends BadArgumentsError {
  override name = 'TlsConfigError';
}

/**
 * A TLS failure on one host, with a reason a user can act on. `definitive` when retrying that host cannot
 * help within one connect (a certificate the server or we rejected), as opposed to a dropped connection.
 */
export class TlsHandshakeError extends Error {
  override name = 'TlsHandshakeError';
  constructor(
    message: string,
    readonly definitive: boolean,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

