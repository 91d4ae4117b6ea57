import { describe, expect, it } from 'vitest';
import { fromJson, parseDocument, toDocument, walkTree } from '../../src/recipes/config/document.js';
import { InvalidDocumentError } from '../../src/recipes/config/errors.js';
import type { Snapshot } from '../../src/recipes/config/snapshot.js';
import { reportFor } from '../../src/cli/exit-codes.js';
import { ImportConflictError } from '../../src/recipes/config/errors.js';
import { BadVersionError, MultiOpError, NoNodeError, type Stat } from '../../src/zk/index.js';

const stat = { czxid: 1n, mzxid: 1n, pzxid: 1n, ctime: new Date(0), mtime: new Date(0), version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 0, numChildren: 0 } as Stat;

function snapshot(nodes: Record<string, string | Buffer>): Snapshot {
  const map: Snapshot = new Map();
  for (const [path, value] of Object.entries(nodes)) map.set(path, { path, data: Buffer.isBuffer(value) ? value : Buffer.from(value), stat, children: [] });
  for (const path of map.keys()) {
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    if (path !== parent && map.has(parent) && path !== '/r') map.get(parent)?.children.push(path.slice(path.lastIndexOf('/') + 1));
  }
  return map;
}

describe('the export document', () => {
  it('is nested objects: a leaf is its value, a parent an object with its own value under ""', () => {
    const { document } = toDocument(snapshot({ '/r': 'root', '/r/b': '', '/r/a': 'x', '/r/a/deep': 'y', '/r/c': 'z' }), '/r');
    expect(document).toEqual({ '': 'root', a: { '': 'x', deep: 'y' }, b: '', c: 'z' });
    // Canonical: keys sorted, so the text itself is stable.
    expect(JSON.stringify(document)).toBe('{"":"root","a":{"":"x","deep":"y"},"b":"","c":"z"}');
  });

  it('marks binary values {"base64"} in the value slot, or skips them (a binary leaf is left out)', () => {
    const bytes = Buffer.from([0xff, 0x00, 0x1b]);
    const nodes = { '/r': bytes, '/r/bin': bytes, '/r/text': 't' };
    expect(toDocument(snapshot(nodes), '/r').document).toEqual({ '': { base64: '/wAb' }, bin: { '': { base64: '/wAb' } }, text: 't' });
    const skipped = toDocument(snapshot(nodes), '/r', { binary: 'skip' });
    expect(skipped.document).toEqual({ text: 't' });
    expect(skipped.skipped.sort()).toEqual(['/r', '/r/bin']);
  });

  it('reads back what it writes: values and structure, a child called "base64" stays a child', () => {
    const doc = { '': { base64: '/wAb' }, base64: 'plain', a: { '': 'x', b: {} } };
    const tree = fromJson(doc, '/r');
    expect(tree.value).toEqual(Buffer.from([0xff, 0x00, 0x1b]));
    expect(tree.children.get('base64')?.value.toString()).toBe('plain');
    expect([...walkTree(tree, '/r')].map((e) => e.path)).toEqual(['/r', '/r/a', '/r/base64', '/r/a/b']);
  });

  it('rejects what export never writes: not JSON, numbers, arrays, null, invalid names, bad base64, /zookeeper', () => {
    const bad: [string, RegExp][] = [
      ['{"a": ', /not a JSON document/],
      ['{"a": 5}', /must be a string or an object, not a number \(at \/r\/a\)/],
      ['{"a": [1]}', /not an array/],
      ['{"a": null}', /not null/],
      ['{"a/b": "x"}', /"a\/b" is not a valid znode name/],
      ['{"..": "x"}', /not a valid znode name/],
      ['{"a\\u0001": "x"}', /control character/],
      ['{"": {"base64": "!!"}}', /invalid base64/],
      ['{"": 7}', /a value must be a string or \{"base64"/],
    ];
    for (const [text, message] of bad) {
      expect(() => parseDocument(text, '/r'), text).toThrow(InvalidDocumentError);
      expect(() => parseDocument(text, '/r'), text).toThrow(message);
    }
    expect(() => parseDocument('{"zookeeper": "x"}', '/')).toThrow(/ZooKeeper's own subtree/);
    expect(parseDocument('"just a value"', '/r').value.toString()).toBe('just a value');
  });

  it('maps its errors to exit codes: bad document 2, import conflict 6, a multi failure by its cause', () => {
    expect(reportFor(new InvalidDocumentError('x')).code).toBe(2);
    expect(reportFor(new ImportConflictError('/a', 'version mismatch')).code).toBe(6);
    expect(reportFor(new MultiOpError(0, { type: 'check', path: '/a', version: 0 }, new BadVersionError('/a'), [-103])).code).toBe(6);
    expect(reportFor(new MultiOpError(0, { type: 'setData', path: '/a', data: Buffer.alloc(0) }, new NoNodeError('/a'), [-101])).code).toBe(5);
  });
});
