import { readFileSync } from 'node:fs';
import { CLIENT_LIBRARY } from '../zk/index.js';

export interface VersionInfo {
  zkCoord: string;
  node: string;
  clientLibrary: { name: string; version: string };
}

export function versionInfo(): VersionInfo {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return { zkCoord: pkg.version, node: process.version, clientLibrary: { ...CLIENT_LIBRARY } };
}

/** `zk-coord --version`: one line, the zk-coord version first (what a script comparing versions reads). */
export function versionLine(info: VersionInfo = versionInfo()): string {
  return `${info.zkCoord} (zk-coord; Node ${info.node}; ${info.clientLibrary.name} ${info.clientLibrary.version})`;
}
