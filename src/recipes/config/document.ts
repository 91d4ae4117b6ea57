/**
 * The configuration document of `config export` / `config import`: a znode subtree as one JSON value.
 *
 * - A node without children is its value, a JSON string (the bytes as UTF-8): `"db_host=localhost"`.
 * - A node with children is an object whose keys are the children's names. Its own value, when not empty,
 *   sits under the key `""`, which can never be a child's name (ZooKeeper has no empty path segment):
 *   `{"": "on", "beta": "yes"}` is a node holding "on" with one child `beta` holding "yes".
 * - A value that is not valid UTF-8 is `{"base64": "…"}` in that `""` slot, so a binary leaf is
 *   `{"": {"base64": "AAEC"}}`. The marker lives only in the value slot, so a child called `base64` stays
 *   an ordinary child.
 * - Empty values: a leaf is `""`; a node with children and an empty value has no `""` key. `{}` reads as an
 *   empty leaf.
 * - The document's top level is the exported node itself (a string or an object).
 * Export always writes this canonical form (keys sorted), so export → import → export gives the same bytes.
 */
import { validatePath, joinPath } from '../../zk/index.js';
import { InvalidDocumentError } from './errors.js';
import type { Snapshot } from './snapshot.js';

/** A value in the document: UTF-8 text, or bytes in base64. */
export type DocumentValue = string | { base64: string };

/** A node in the document (see the module comment for the format). */
export type DocumentNode = string | { [key: string]: DocumentNode | DocumentValue };

/** A node of a parsed document: its value's bytes and its children by name. */
export interface TreeNode {
  value: Buffer;
  children: Map<string, TreeNode>;
}

/** The key of a node's own value in an object node. */
export const VALUE_KEY = '';

/** A value is "text" when its bytes survive a UTF-8 round trip. */
export function isText(data: Buffer): boolean {
  return Buffer.from(data.toString('utf8'), 'utf8').equals(data);
}

export interface ExportOptions {
  /** Values that are not UTF-8: as base64 (default) or left out (`skip`: a binary leaf is left out). */
  binary?: 'base64' | 'skip';
}

/** The document of a subtree, and the paths whose binary value was skipped. */
export function toDocument(snapshot: Snapshot, root: string, options: ExportOptions = {}): { document: DocumentNode; skipped: string[] } {
  const skipped: string[] = [];
  const build = (path: string): DocumentNode | undefined => {
    const node = snapshot.get(path);
    if (!node) return undefined;
    let value: DocumentValue | undefined;
    if (node.data.length > 0) {
      if (isText(node.data)) value = node.data.toString('utf8');
      else if (options.binary === 'skip') skipped.push(path);
      else value = { base64: node.data.toString('base64') };
    }
    const children: [string, DocumentNode][] = [];
    for (const name of [...node.children].sort()) {
      const child = build(joinPath(path, name));
      if (child !== undefined) children.push([name, child]);
    }
    if (children.length === 0) {
      if (value === undefined) return node.data.length > 0 && path !== root ? undefined : '';
      if (typeof value === 'string') return value;
    }
    const object: { [key: string]: DocumentNode | DocumentValue } = {};
    if (value !== undefined) object[VALUE_KEY] = value;
    for (const [name, child] of children) object[name] = child;
    return object;
  };
  return { document: build(root) ?? '', skipped };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function parseValue(value: unknown, at: string): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const encoded = (value as Record<string, unknown>).base64;
    if (keys.length === 1 && typeof encoded === 'string') {
      const bytes = Buffer.from(encoded, 'base64');
      if (!BASE64.test(encoded) || bytes.toString('base64') !== encoded) throw new InvalidDocumentError('invalid base64 value', at);
      return bytes;
    }
  }
  throw new InvalidDocumentError(`a value must be a string or {"base64": "…"}, not ${describeType(value)}`, at);
}

/**
 * Checks and converts a parsed JSON value into a tree. `root` is the znode path the document will be written
 * under (for child-name checks and the error positions). InvalidDocumentError on anything export would not
 * write: numbers, arrays, null, keys that are not valid znode names, `zookeeper` under `/`.
 */
export function fromJson(json: unknown, root: string): TreeNode {
  const convert = (value: unknown, path: string): TreeNode => {
    if (typeof value === 'string') return { value: Buffer.from(value, 'utf8'), children: new Map() };
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new InvalidDocumentError(`a node must be a string or an object, not ${describeType(value)}`, path);
    }
    const node: TreeNode = { value: Buffer.alloc(0), children: new Map() };
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (key === VALUE_KEY) {
        node.value = parseValue(child, path);
        continue;
      }
      const childPath = joinPath(path, key);
      const problem = key.includes('/') ? 'contains /' : validatePath(childPath);
      if (problem) throw new InvalidDocumentError(`"${key}" is not a valid znode name: ${problem}`, path);
      if (childPath === '/zookeeper') throw new InvalidDocumentError('/zookeeper is ZooKeeper\'s own subtree', path);
      node.children.set(key, convert(child, childPath));
    }
    return node;
  };
  return convert(json, root);
}

/** Parses a document's text. InvalidDocumentError when it is not JSON or not a document. */
export function parseDocument(text: string, root: string): TreeNode {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidDocumentError(`not a JSON document: ${(error as Error).message}`);
  }
  return fromJson(json, root);
}

/** Every node of a tree with its full path, parents before children. */
export function* walkTree(tree: TreeNode, root: string): Generator<{ path: string; node: TreeNode; depth: number }> {
  const queue: { path: string; node: TreeNode; depth: number }[] = [{ path: root, node: tree, depth: 0 }];
  for (let i = 0; i < queue.length; i += 1) {
    const entry = queue[i] as { path: string; node: TreeNode; depth: number };
    yield entry;
    for (const name of [...entry.node.children.keys()].sort()) {
      queue.push({ path: joinPath(entry.path, name), node: entry.node.children.get(name) as TreeNode, depth: entry.depth + 1 });
    }
  }
}
