/**
 * ZooKeeper ACLs: zkCli's `scheme:id:perms` notation, parsed and printed, and the GetACL/SetACL requests.
 *
 * The requests are built from the library's own jute records rather than through its getACL/setACL:
 * `getACL` turns every returned record into `new ACL(perms, …)`, which throws for perms outside 1..31 (a
 * node another client gave perms 0), inside the socket's data handler (lib/ACL.js fromRecord), so one odd
 * node would cost the connection; and both retry through the library's `attempt` loop, which we never use.
 */
import { createHash } from 'node:crypto';
import { BadArgumentsError } from './errors.js';
import { loadJute, loadLibrary, type LibAcl, type LibAclRecord, type LibConnectionManager, type LibStat } from './library.js';

/** One ACL entry. `perms` in zkCli's letters and order, a subset of `cdrwa`. */
export interface Acl {
  scheme: string;
  id: string;
  perms: string;
}

/** ZooKeeper's ZooDefs.Perms bits, in zkCli's letter order. */
const PERM_BITS: ReadonlyArray<readonly [letter: string, bit: number]> = [
  ['c', 4],
  ['d', 8],
  ['r', 1],
  ['w', 2],
  ['a', 16],
];

export function permsToBits(perms: string): number {
  let bits = 0;
  for (const letter of perms) {
    const entry = PERM_BITS.find(([l]) => l === letter);
    if (!entry) throw new BadArgumentsError(`invalid permission "${letter}" in "${perms}": use letters of cdrwa`);
    bits |= entry[1];
  }
  return bits;
}

export function bitsToPerms(bits: number): string {
  return PERM_BITS.filter(([, bit]) => (bits & bit) !== 0)
    .map(([letter]) => letter)
    .join('');
}

/** ZooKeeper's DigestAuthenticationProvider.generateDigest: `user:base64(sha1("user:password"))`. */
export function digestId(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`, 'utf8').digest('base64')}`;
}

/** World-readable, writable only by the session's authenticated identities (what `--acl creator` means). */
export const CREATOR_ACL: readonly Acl[] = Object.freeze([
  { scheme: 'auth', id: '', perms: 'cdrwa' },
  { scheme: 'world', id: 'anyone', perms: 'r' },
]);

/**
 * For the parents a creator-ACL holder creates: anyone may create (and list) children, only the creator may
 * delete them. ZooKeeper checks a delete against the parent's ACL, not the node's, so this is what keeps
 * another identity from deleting a holder's node; the server still deletes ephemerals when the session ends.
 */
export const CREATOR_PARENT_ACL: readonly Acl[] = Object.freeze([
  { scheme: 'auth', id: '', perms: 'cdrwa' },
  { scheme: 'world', id: 'anyone', perms: 'cr' },
]);

export const OPEN_ACL: readonly Acl[] = Object.freeze([{ scheme: 'world', id: 'anyone', perms: 'cdrwa' }]);

/**
 * Parses one zkCli ACL: `world:anyone:r`, `digest:user:base64hash:cdrwa`, `auth::cdrwa`, `ip:10.0.0.0/8:r`,
 * `sasl:name:perms`, `x509:CN=…:perms`, plus `digest-plain:user:password:perms`, hashed here (the password
 * never leaves this function, not even in an error).
 */
export function parseAcl(text: string): Acl {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first === -1 || first === last) {
    throw new BadArgumentsError(`invalid ACL "${redactAcl(text)}": expected scheme:id:perms (world:anyone:r, digest:user:hash:cdrwa, auth::cdrwa, ip:10.0.0.0/8:r, digest-plain:user:password:cdrwa)`);
  }
  const scheme = text.slice(0, first);
  let id = text.slice(first + 1, last);
  const perms = text.slice(last + 1);
  if (perms === '') throw new BadArgumentsError(`invalid ACL "${redactAcl(text)}": no permissions (use letters of cdrwa)`);
  const bits = permsToBits(perms);
  switch (scheme) {
    case 'world':
      if (id !== 'anyone') throw new BadArgumentsError(`invalid ACL "${text}": the world scheme has one id, anyone`);
      break;
    case 'auth':
      // zkCli's `auth::perms`; the server substitutes the session's authenticated ids.
      break;
    case 'digest':
      if (!/^[^:]+:[A-Za-z0-9+/]{27}=$/.test(id)) {
        throw new BadArgumentsError(`invalid ACL "${redactAcl(text)}": digest takes user:base64-sha1 (or use digest-plain:user:password:perms to hash a password here)`);
      }
      break;
    case 'digest-plain': {
      const colon = id.indexOf(':');
      if (colon <= 0) throw new BadArgumentsError('invalid ACL digest-plain:…: expected digest-plain:user:password:perms');
      return { scheme: 'digest', id: digestId(id.slice(0, colon), id.slice(colon + 1)), perms: bitsToPerms(bits) };
    }
    case 'ip':
      if (!/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(id)) throw new BadArgumentsError(`invalid ACL "${text}": ip takes an IPv4 address or a.b.c.d/bits`);
      break;
    case '':
      throw new BadArgumentsError(`invalid ACL "${redactAcl(text)}": no scheme`);
    default:
      // sasl, x509 and custom providers: the server validates the id.
      if (id === '') throw new BadArgumentsError(`invalid ACL "${text}": no id`);
  }
  id = scheme === 'auth' ? '' : id;
  return { scheme, id, perms: bitsToPerms(bits) };
}

/** An ACL argument as it may appear in a message: a digest-plain password is replaced. */
export function redactAcl(text: string): string {
  if (!text.startsWith('digest-plain:')) return text;
  const rest = text.slice('digest-plain:'.length);
  const user = rest.split(':')[0] ?? '';
  return `digest-plain:${user}:***:…`;
}

/**
 * A list of ACL arguments (each may also hold several, comma-separated, as zkCli's setAcl takes them).
 * `creator` alone means CREATOR_ACL.
 */
export function parseAclList(args: readonly string[]): Acl[] {
  const items = args.flatMap((a) => splitAclArgument(a));
  if (items.length === 0) throw new BadArgumentsError('no ACL given');
  const result: Acl[] = [];
  for (const item of items) {
    if (item === 'creator') result.push(...CREATOR_ACL);
    else if (item === 'open') result.push(...OPEN_ACL);
    else result.push(parseAcl(item));
  }
  return result;
}

function splitAclArgument(arg: string): string[] {
  // Split only at commas that start another ACL (`,world:`, `,digest:`… or a keyword), so a digest-plain password may
  // itself contain commas.
  return arg
    .split(/,(?=\s*(?:(?:world|digest|digest-plain|auth|ip|sasl|x509|super):|creator\b|open\b))/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** True when the list grants something to the session's own identities (`auth`), which needs credentials. */
export function needsCredentials(acl: readonly Acl[]): boolean {
  return acl.some((a) => a.scheme === 'auth');
}

/** zkCli's `getAcl` lines: `'world,'anyone` then `: cdrwa`. */
export function formatAclZkCli(acl: readonly Acl[]): string[] {
  return acl.flatMap((a) => [`'${a.scheme},'${a.id}`, `: ${a.perms}`]);
}

/** One `scheme:id:perms` per entry (what `acl set` takes back). */
export function formatAcl(a: Acl): string {
  return `${a.scheme}:${a.id}:${a.perms}`;
}

/** The library's ACL objects, for create. */
export function toLibAcls(acl: readonly Acl[]): LibAcl[] {
  const lib = loadLibrary();
  return acl.map((a) => new lib.ACL(permsToBits(a.perms), new lib.Id(a.scheme, a.id)));
}

function toRecords(acl: readonly Acl[]): unknown[] {
  const jute = loadJute();
  const AclRecord = jute.data.ACL!;
  const IdRecord = jute.data.Id!;
  return acl.map((a) => new AclRecord(permsToBits(a.perms), new IdRecord(a.scheme, a.id)));
}

function header(type: number): unknown {
  const jute = loadJute();
  const h = new jute.protocol.RequestHeader!();
  h.type = type;
  return h;
}

/** Queues a GetACL request; the callback gets the ACL and the node's stat. */
export function issueGetAcl(cm: LibConnectionManager, path: string, callback: (error: { code: number } | null, acl?: Acl[], stat?: LibStat) => void): void {
  const jute = loadJute();
  const payload = new jute.protocol.GetACLRequest!();
  payload.path = path;
  cm.queue(new jute.Request(header(jute.OP_CODES.GET_ACL!), payload), (error, response) => {
    if (error) return callback(error);
    const body = response?.payload as { acl?: LibAclRecord[]; stat: LibStat } | undefined;
    const acl = (body?.acl ?? []).map((r) => ({ scheme: r.id.scheme, id: r.id.id, perms: bitsToPerms(r.perms) }));
    callback(null, acl, body?.stat);
  });
}

/** Queues a SetACL request (version -1: any); the callback gets the node's new stat. */
export function issueSetAcl(
  cm: LibConnectionManager,
  path: string,
  acl: readonly Acl[],
  version: number,
  callback: (error: { code: number } | null, stat?: LibStat) => void,
): void {
  const jute = loadJute();
  const payload = new jute.protocol.SetACLRequest!();
  payload.path = path;
  payload.acl = toRecords(acl);
  payload.version = version;
  cm.queue(new jute.Request(header(jute.OP_CODES.SET_ACL!), payload), (error, response) => {
    if (error) return callback(error);
    callback(null, (response?.payload as { stat: LibStat } | undefined)?.stat);
  });
}

/** The ACLs a holder (claim, elect, lock, register, config set -e) gives its node and the parents it creates. */
export interface HolderAcl {
  acl: Acl[];
  /** Only for `creator`: see CREATOR_PARENT_ACL. Otherwise parents are created open, as before. */
  parentAcl?: Acl[];
}

/**
 * `--acl` of a holder: `creator` (writable and deletable only by ZK_COORD_AUTH's identity, readable by all),
 * or any zkCli ACL list. `hasCredentials` says whether the session authenticates; `creator` without it
 * would be refused by the server (INVALID_ACL), so it is refused here with the fix.
 */
export function parseHolderAcl(args: readonly string[], hasCredentials: boolean): HolderAcl {
  const acl = parseAclList(args);
  if (needsCredentials(acl) && !hasCredentials) {
    throw new BadArgumentsError('an auth/creator ACL needs credentials: set ZK_COORD_AUTH=user:password or --auth-file');
  }
  return args.some((a) => a === 'creator') ? { acl, parentAcl: [...CREATOR_PARENT_ACL] } : { acl };
}
