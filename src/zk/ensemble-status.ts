import { NOT_WHITELISTED, fourLetterWord, parseSrvr } from './four-letter.js';
import { formatServer, type ServerAddress } from './connection-string.js';
import type { TlsOptions } from './tls-options.js';

/** What one server of the connection string says about itself. */
export interface ServerReport {
  server: string;
  reachable: boolean;
  /** leader, follower, standalone, observer; undefined when unreachable, not serving, or 4lw disabled. */
  mode: string | undefined;
  zxid: bigint | undefined;
  connections: number | undefined;
  version: string | undefined;
  /** Round trip of the `srvr` request, ms. */
  latencyMs: number | undefined;
  /** Why some fields are missing. */
  note: string | undefined;
}

/** Asks each server `srvr` (the four-letter word) in parallel. Never throws: every answer is a report. */
export async function probeServers(servers: readonly ServerAddress[], timeoutMs = 2000, tls?: TlsOptions): Promise<ServerReport[]> {
  return Promise.all(
    servers.map(async (s): Promise<ServerReport> => {
      const server = formatServer(s);
      const empty = { server, mode: undefined, zxid: undefined, connections: undefined, version: undefined, latencyMs: undefined };
      const started = process.hrtime.bigint();
      let reply: string;
      try {
        reply = await fourLetterWord(s.host, s.port, 'srvr', timeoutMs, tls);
      } catch (error) {
        return { ...empty, reachable: false, note: (error as Error).message };
      }
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (NOT_WHITELISTED.test(reply)) {
        return { ...empty, reachable: true, latencyMs, note: 'four-letter words are disabled (4lw.commands.whitelist); mode unknown' };
      }
      const info = parseSrvr(reply);
      if (!info) return { ...empty, reachable: true, latencyMs, note: reply.trim() || 'not serving requests' };
      return { server, reachable: true, mode: info.mode, zxid: info.zxid, connections: info.connections, version: info.version, latencyMs, note: undefined };
    }),
  );
}
