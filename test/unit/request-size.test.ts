import { describe, expect, it } from 'vitest';
import { loadJute, loadLibrary } from '../../src/zk/library.js';
import { createRequestBytes, serverPath, setDataRequestBytes } from '../../src/zk/request-size.js';

type Rec = Record<string, unknown> & { byteLength(): number; setChrootPath(p: string): void };

describe('request sizes match what the library serialises', () => {
  const jute = loadJute() as unknown as { protocol: Record<string, new () => Rec> };
  const header = 8;

  for (const chroot of [undefined, '/app/ünï']) {
    it(`create and setData${chroot ? ' under a chroot' : ''}`, () => {
      const data = Buffer.alloc(1234, 1);
      const acl = loadLibrary().ACL.OPEN_ACL_UNSAFE;
      const create = new jute.protocol.CreateRequest!();
      Object.assign(create, { path: '/a/b', data, acl: acl.map((a) => (a as unknown as { toRecord(): unknown }).toRecord()), flags: 0 });
      const set = new jute.protocol.SetDataRequest!();
      Object.assign(set, { path: '/a/b', data, version: 3 });
      if (chroot) {
        create.setChrootPath(chroot);
        set.setChrootPath(chroot);
      }
      expect(createRequestBytes(serverPath(chroot, '/a/b'), data, acl.map((a) => a.id))).toBe(header + create.byteLength());
      expect(setDataRequestBytes(serverPath(chroot, '/a/b'), data)).toBe(header + set.byteLength());
    });
  }

  it('the chroot itself stands for / under it', () => {
    expect(serverPath('/app', '/')).toBe('/app');
    expect(serverPath('/app', '/x')).toBe('/app/x');
    expect(serverPath(undefined, '/x')).toBe('/x');
  });
});
