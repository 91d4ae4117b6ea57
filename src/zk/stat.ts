import type { LibStat } from './library.js';

/** A znode's metadata, with the 64-bit fields as bigints and the times as dates. */
export interface Stat {
  /** Creation zxid: strictly increasing across all creates, so it serves as a fencing token. */
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  ctime: Date;
  mtime: Date;
  version: number;
  cversion: number;
  aversion: number;
  /** Session id of the owner for an ephemeral node, 0n otherwise. */
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
}

/** node-zookeeper-client hands the long fields over as 8-byte big-endian Buffers. */
export function toStat(raw: LibStat): Stat {
  return {
    czxid: raw.czxid.readBigInt64BE(0),
    mzxid: raw.mzxid.readBigInt64BE(0),
    pzxid: raw.pzxid.readBigInt64BE(0),
    ctime: new Date(Number(raw.ctime.readBigInt64BE(0))),
    mtime: new Date(Number(raw.mtime.readBigInt64BE(0))),
    version: raw.version,
    cversion: raw.cversion,
    aversion: raw.aversion,
    ephemeralOwner: raw.ephemeralOwner.readBigInt64BE(0),
    dataLength: raw.dataLength,
    numChildren: raw.numChildren,
  };
}

/** `0x…` as zkCli prints zxids and session ids. Session ids are unsigned in print. */
export function hex(value: bigint): string {
  return `0x${BigInt.asUintN(64, value).toString(16)}`;
}
