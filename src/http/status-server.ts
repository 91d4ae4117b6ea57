import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HolderSnapshot, HolderStatus } from '../hold/status.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.js';

/** `[host:]port`, `[::1]:port`: loopback unless a host is spelled out. */
export interface HttpAddress {
  host: string;
  port: number;
}

export class HttpAddressError extends Error {
  override name = 'HttpAddressError';
}

export function parseHttpAddress(text: string): HttpAddress {
  const match = /^(?:\[([^\]]+)\]:|([^:]*):)?(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) throw new HttpAddressError(`--http: expected [host:]port (0-65535), got "${text}"`);
  const host = match[1] ?? match[2];
  return { host: host === undefined || host === '' ? '127.0.0.1' : host, port };
}

/** Limits that keep a slow or hostile client from costing the hold anything. */
const LIMITS = {
  /** Whole request headers within this long, or the connection is dropped. */
  headersTimeoutMs: 5000,
  requestTimeoutMs: 5000,
  keepAliveTimeoutMs: 5000,
  /** How often Node checks the two timeouts above (its default is 30 s). */
  checkEveryMs: 1000,
  maxConnections: 128,
  /** A comment line on open event streams, so proxies keep them. */
  sseHeartbeatMs: 15_000,
} as const;

export interface StatusServer {
  readonly address: HttpAddress;
  /** Stops listening and drops every connection at once (event streams included). */
  close(): void;
}

const isHeld = (s: HolderSnapshot): boolean => s.role === 'leader' || s.role === 'holder';
/** Connected, and holding or campaigning normally. */
const isHealthy = (s: HolderSnapshot): boolean => s.connection === 'connected';

/**
 * The sidecar of a holder (`--http`), modelled on Patroni's REST API: probes answer by status code (200/503),
 * HEAD without a body, health and leadership on separate endpoints (a readiness bound to leadership deadlocks
 * rolling updates). Answers come from memory: a request never waits for ZooKeeper.
 */
export function startStatusServer(status: HolderStatus, address: HttpAddress): Promise<StatusServer> {
  const streams = new Set<ServerResponse>();
  const send = (req: IncomingMessage, res: ServerResponse, code: number, type: string, body: string): void => {
    res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-cache', 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const json = (req: IncomingMessage, res: ServerResponse, code: number, value: unknown): void =>
    send(req, res, code, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`);
  const text = (req: IncomingMessage, res: ServerResponse, code: number, value: string): void => send(req, res, code, 'text/plain; charset=utf-8', `${value}\n`);

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return text(req, res, 405, 'method not allowed');
    }
    const s = status.snapshot();
    switch (path) {
      case '/':
        return json(req, res, 200, s);
      case '/id':
      case '/sequence':
        return s.id === null ? text(req, res, 503, 'no ID held') : text(req, res, 200, String(s.id));
      case '/leader':
        return json(req, res, isHeld(s) ? 200 : 503, { role: s.role, leader: s.leader });
      case '/follower':
        return json(req, res, isHeld(s) ? 503 : 200, { role: s.role, leader: s.leader });
      case '/health':
        return json(req, res, isHealthy(s) ? 200 : 503, { connection: s.connection, role: s.role, lastContactMs: s.lastContactMs });
      case '/metrics':
        return send(req, res, 200, METRICS_CONTENT_TYPE, renderMetrics(status));
      case '/events':
        if (req.method === 'HEAD') return send(req, res, 200, 'text/event-stream', '');
        res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
        res.write(`id: ${s.sequence}\nevent: state\ndata: ${JSON.stringify(s)}\n\n`);
        streams.add(res);
        res.on('close', () => streams.delete(res));
        return;
      default:
        return text(req, res, 404, 'not found');
    }
  };

  // One event per real change (HolderStatus emits only those), with its sequence number as the SSE id.
  const onChange = (s: HolderSnapshot): void => {
    const frame = `id: ${s.sequence}\nevent: state\ndata: ${JSON.stringify(s)}\n\n`;
    for (const res of streams) res.write(frame);
  };
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': keep-alive\n\n');
  }, LIMITS.sseHeartbeatMs);
  heartbeat.unref();

  const server: Server = createServer({ connectionsCheckingInterval: LIMITS.checkEveryMs, requestTimeout: LIMITS.requestTimeoutMs, headersTimeout: LIMITS.headersTimeoutMs }, handle);
  server.keepAliveTimeout = LIMITS.keepAliveTimeoutMs;
  server.maxConnections = LIMITS.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      clearInterval(heartbeat);
      const why = error.code === 'EADDRINUSE' ? 'the port is in use' : error.code === 'EADDRNOTAVAIL' ? 'no such local address' : error.message;
      reject(new HttpAddressError(`--http ${address.host}:${address.port}: ${why}`));
    });
    server.listen(address.port, address.host, () => {
      status.on('change', onChange);
      // Open event streams must not keep a finished holder alive; close() ends them anyway.
      server.unref();
      const bound = server.address() as AddressInfo;
      resolve({
        address: { host: address.host, port: bound.port },
        close() {
          status.off('change', onChange);
          clearInterval(heartbeat);
          for (const res of streams) res.end();
          streams.clear();
          server.close();
          server.closeAllConnections();
        },
      });
    });
  });
}
