import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchEnsemble, stopNodeAndWait, type LaunchedEnsemble, type LaunchOptions } from '../../src/server/launcher.js';
import type { TlsOptions } from '../../src/zk/index.js';
import { readFileSync } from 'node:fs';
import { TEST_TICK_MS } from './global-setup.js';

/** A ZooKeeper serving TLS (`mutual`: client certificates required), started by the test file itself. */
export interface TlsServer {
  ensemble: LaunchedEnsemble;
  /** The secure ports. */
  connectString: string;
  /** The plain ports of the same servers (kazoo, four-letter words, the "plain port given TLS" case). */
  plainConnectString: string;
  /** What a CLI run needs to reach it. */
  env: NodeJS.ProcessEnv;
  /** What a library client needs to reach it. */
  tls: TlsOptions;
  baseDir: string;
  options: LaunchOptions;
  stop(): Promise<void>;
}

export async function startTlsServer(options: { mutual: boolean; size?: number }): Promise<TlsServer> {
  const baseDir = mkdtempSync(join(tmpdir(), `zk-coord-${options.mutual ? 'mtls' : 'tls'}-`));
  const launch: LaunchOptions = { size: options.size ?? 1, baseDir, tickTimeMs: TEST_TICK_MS, ownerPid: process.pid, tls: { mutual: options.mutual } };
  const ensemble = await launchEnsemble(launch);
  const material = ensemble.tls!;
  const env: NodeJS.ProcessEnv = { ZK_COORD_TLS_CA: material.caCert };
  const tls: TlsOptions = { ca: readFileSync(material.caCert) };
  if (options.mutual) {
    env.ZK_COORD_TLS_CERT = material.clientCert;
    env.ZK_COORD_TLS_KEY = material.clientKey;
    tls.cert = readFileSync(material.clientCert);
    tls.key = readFileSync(material.clientKey);
  }
  return {
    ensemble,
    connectString: ensemble.secureConnectString!,
    plainConnectString: ensemble.connectString,
    env,
    tls,
    baseDir,
    // Restarts need the same certificates: they are in <baseDir>/tls, found again by the launcher.
    options: launch,
    stop: async () => {
      await Promise.all(ensemble.nodes.map((n) => stopNodeAndWait(n)));
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}
