// The proxy lives in src/server/ so bench/ (which runs the built dist/) shares it with the tests.
import { FaultProxy } from '../../src/server/fault-proxy.js';

export { FaultProxy, silentHost, type ProxyMode } from '../../src/server/fault-proxy.js';

const started: FaultProxy[] = [];

/** A proxy in front of the run's shared server (or of `port`); stopped by `stopProxies()`. */
export async function proxyToServer(port?: number): Promise<FaultProxy> {
  const { zkConnect } = await import('./zk.js');
  const p = await new FaultProxy(port ?? Number(zkConnect().split(':')[1])).start();
  started.push(p);
  return p;
}

export async function stopProxies(): Promise<void> {
  await Promise.all(started.splice(0).map((p) => p.stop()));
}
