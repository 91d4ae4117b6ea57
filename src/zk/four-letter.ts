import { connect, type Socket } from 'node:net';
import type { TlsOptions } from './tls-options.js';

/**
 * Sends a four-letter word (`srvr`, `mntr`, `wchc`…) to one server and resolves with its reply. Rejects on a
 * refused connection or after `timeoutMs`. A server that does not whitelist the word replies with
 * "… is not executed because it is not in the whitelist." — callers check for that.
 */
export async function fourLetterWord(host: string, port: number, word: string, timeoutMs = 2000, tls?: TlsOptions): Promise<string> {
  // ZooKeeper's Netty factory answers four-letter words on the secure port too, after the handshake.
  const transport = tls ? await import('./tls-transport.js') : undefined;
  return new Promise((resolve, reject) => {
    let socket: Socket;
    let ready = 'connect';
    if (tls && transport) {
      socket = transport.openTlsSocket(host, port, tls);
      ready = 'secureConnect';
      socket.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(transport.describeTlsFailure(error, { sentCertificate: tls.cert !== undefined, handshakeDone: false, servername: tls.servername ?? host }).message));
      });
    } else {
      socket = connect({ host, port });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(error.code ?? error.message));
      });
    }
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply to "${word}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(ready, () => socket.end(word));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

export const NOT_WHITELISTED = /not in the whitelist/i;

/** What `srvr` tells about one server. */
export interface ServerInfo {
  mode: string;
  zxid: bigint | undefined;
  connections: number | undefined;
  version: string | undefined;
  latency: string | undefined;
}

/** Parses a `srvr` reply; undefined when the server is up but not serving (no quorum, still starting). */
export function parseSrvr(reply: string): ServerInfo | undefined {
  const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(reply)?.[1]?.trim();
  const mode = field('Mode');
  if (!mode) return undefined;
  const zxid = field('Zxid');
  const connections = field('Connections');
  return {
    mode,
    zxid: zxid ? BigInt(zxid) : undefined,
    connections: connections ? Number(connections) : undefined,
    version: field('Zookeeper version')?.split(',')[0],
    latency: field('Latency min/avg/max'),
  };
}
