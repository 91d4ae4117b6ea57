import { describe, expect, it } from 'vitest';
import {
  CURATOR_LATCH,
  CURATOR_MUTEX,
  CURATOR_RW,
  KAZOO,
  ZK_COORD,
  ELECTION_COMPAT,
  LOCK_COMPAT,
  compatValue,
  conventionsPresent,
  electionConventions,
  lockConventions,
  resolveConvention,
} from '../../src/recipes/contenders/conventions.js';
import { turnOf } from '../../src/recipes/contenders/contenders.js';
import { resolveLockLayout } from '../../src/recipes/contenders/lock-layout.js';
import { contendersJson } from '../../src/output/contenders.js';
import { ConventionConflictError } from '../../src/recipes/errors.js';

const U1 = '0b6f8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const U2 = 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9';
const H1 = U1.replaceAll('-', '');
const H2 = U2.replaceAll('-', '');

describe('conventions: names', () => {
  it('name our node as each library names its own', () => {
    expect(ZK_COORD.prefix(U1, 'exclusive')).toBe(`lock-${U1}-`);
    expect(ZK_COORD.prefix(U1, 'candidate')).toBe(`candidate-${U1}-`);
    expect(CURATOR_MUTEX.prefix(U1, 'exclusive')).toBe(`_c_${U1}-lock-`);
    expect(CURATOR_LATCH.prefix(U1, 'candidate')).toBe(`_c_${U1}-latch-`);
    expect(CURATOR_RW.prefix(U1, 'reader')).toBe(`_c_${U1}-__READ__`);
    expect(CURATOR_RW.prefix(U1, 'exclusive')).toBe(`_c_${U1}-__WRIT__`);
    expect(KAZOO.prefix(U1, 'exclusive')).toBe(`${H1}__lock__`);
    expect(KAZOO.prefix(U1, 'reader')).toBe(`${H1}__rlock__`);
    expect(CURATOR_MUTEX.prefix(U1, 'reader')).toBeUndefined();
    expect(CURATOR_LATCH.prefix(U1, 'exclusive')).toBeUndefined();
  });

  it('recognise each library by its names; hand-made nodes belong to none', () => {
    const children = [`_c_${U1}-latch-0000000001`, `${H2}__lock__0000000002`, 'candidate0000000003', `lock-${U2}-0000000004`];
    expect(conventionsPresent(children).map((c) => c.id)).toEqual(['zk-coord', 'curator-latch', 'kazoo']);
    expect(conventionsPresent(['candidate0000000003'])).toEqual([]);
  });
});

describe('conventions: order', () => {
  it('Curator sorts every child by the text after the last lock name, the whole name otherwise', () => {
    const sorted = CURATOR_MUTEX.sort('/l', [`_c_${U2}-lock-0000000007`, 'stray', `_c_${U1}-lock-0000000003`, 'x-0000000001']);
    // "0000000003" < "0000000007" < "stray" < "x-0000000001": foreign names sort after the digits.
    expect(sorted.map((n) => n.name)).toEqual([`_c_${U1}-lock-0000000003`, `_c_${U2}-lock-0000000007`, 'stray', 'x-0000000001']);
  });

  it('kazoo counts only __lock__/__rlock__ names, by their sequence', () => {
    const sorted = KAZOO.sort('/l', [`${H2}__lock__0000000009`, `lock-${U1}-0000000001`, `${H1}__rlock__0000000004`]);
    expect(sorted.map((n) => n.name)).toEqual([`${H1}__rlock__0000000004`, `${H2}__lock__0000000009`]);
  });

  it('a Curator reader is held back only by a __WRIT__ node before it', () => {
    const sorted = CURATOR_RW.sort('/rw', [`_c_${U1}-__READ__0000000001`, `_c_${U2}-__WRIT__0000000002`, `_c_${U1}-__READ__0000000003`]);
    expect(turnOf(sorted, 0, 1, true, CURATOR_RW.isReader)).toEqual({ holds: true });
    expect(turnOf(sorted, 1, 1, false, CURATOR_RW.isReader)).toEqual({ holds: false, waitFor: sorted[0] });
    expect(turnOf(sorted, 2, 1, true, CURATOR_RW.isReader)).toEqual({ holds: false, waitFor: sorted[1] });
  });
});

describe('resolveConvention', () => {
  const any = lockConventions(undefined, 'plain');
  it('an empty path: zk-coord without --compat, the asked library with it', () => {
    expect(resolveConvention('/l', [], any, 'exclusive')).toBe(ZK_COORD);
    expect(resolveConvention('/l', [], lockConventions('curator', 'plain'), 'exclusive')).toBe(CURATOR_MUTEX);
    expect(resolveConvention('/l', [], lockConventions('curator', 'read'), 'reader')).toBe(CURATOR_RW);
    expect(resolveConvention('/e', [], electionConventions('curator-latch'), 'candidate')).toBe(CURATOR_LATCH);
  });

  it('detects the one convention present', () => {
    expect(resolveConvention('/l', [`${H1}__lock__0000000001`], any, 'exclusive')).toBe(KAZOO);
    expect(resolveConvention('/l', [`_c_${U1}-__WRIT__0000000001`], any, 'exclusive')).toBe(CURATOR_RW);
    expect(resolveConvention('/e', [`_c_${U1}-latch-0000000001`, 'candidate0000000002'], electionConventions(undefined), 'candidate')).toBe(CURATOR_LATCH);
  });

  it('refuses when contenders disagree, or disagree with --compat, or the library has no such role', () => {
    expect(() => resolveConvention('/l', [`${H1}__lock__0000000001`, `_c_${U1}-lock-0000000002`], any, 'exclusive')).toThrow(/contenders disagree/);
    expect(() => resolveConvention('/l', [`${H1}__lock__0000000001`], lockConventions('curator', 'plain'), 'exclusive')).toThrow(/--compat curator asked for/);
    expect(() => resolveConvention('/l', [`_c_${U1}-latch-0000000001`], any, 'exclusive')).toThrow(ConventionConflictError);
    expect(() => resolveConvention('/l', [`_c_${U1}-lock-0000000001`], lockConventions(undefined, 'read'), 'reader')).toThrow(/no readers/);
  });
});

describe('one mapping of --compat (resolveLockLayout), and status speaking in --compat values', () => {
  it('lock --compat: conventions for sorted contenders, and with --limit the semaphore asked for', () => {
    expect(resolveLockLayout('curator', 'plain')).toEqual({ contenders: lockConventions('curator', 'plain'), semaphore: undefined });
    expect(resolveLockLayout('curator', 'limit').semaphore).toBe('curator-semaphore');
    expect(resolveLockLayout('kazoo', 'limit').semaphore).toBe('kazoo-semaphore');
    expect(resolveLockLayout('zk-coord', 'limit').semaphore).toBe('sorted-slots');
    expect(resolveLockLayout(undefined, 'limit').semaphore).toBeUndefined();
    expect(resolveLockLayout('kazoo', 'limit').contenders.conventions).toEqual([ZK_COORD]);
  });

  it('names each convention by the --compat value that joins it', () => {
    expect([CURATOR_MUTEX, CURATOR_RW, KAZOO, ZK_COORD].map((c) => compatValue(c, 'lock'))).toEqual(['curator', 'curator', 'kazoo', 'zk-coord']);
    expect([CURATOR_MUTEX, CURATOR_LATCH, KAZOO, ZK_COORD].map((c) => compatValue(c, 'elect'))).toEqual(['curator-selector', 'curator-latch', 'kazoo', 'zk-coord']);
    for (const c of [CURATOR_MUTEX, CURATOR_RW]) expect(LOCK_COMPAT).toContain(compatValue(c, 'lock'));
    for (const c of [CURATOR_MUTEX, CURATOR_LATCH]) expect(ELECTION_COMPAT).toContain(compatValue(c, 'elect'));
  });

  it("status JSON: --compat value, the convention's id as layout, modes as lock's acquired line has them", () => {
    const node = (name: string) => ({ name, path: `/l/${name}`, sequence: 1 });
    const view = {
      convention: CURATOR_RW,
      conflict: undefined,
      contenders: [
        { node: node(`_c_${U1}-__WRIT__0000000001`), convention: CURATOR_RW, reader: false, holds: true, session: 1n, data: 'w', token: 5n },
        { node: node(`_c_${U2}-__READ__0000000002`), convention: CURATOR_RW, reader: true, holds: false, session: 2n, data: 'r', token: 6n },
      ],
    };
    const json = contendersJson('/l', view, { recipe: 'lock' });
    expect(json).toMatchObject({ convention: 'curator', layout: 'curator-rw', conflict: null, limit: null });
    expect((json.contenders as Array<{ library: string; mode: string }>).map((c) => [c.library, c.mode])).toEqual([['curator', 'exclusive'], ['curator', 'read']]);
    expect(contendersJson('/e', { ...view, convention: CURATOR_MUTEX }, { recipe: 'elect' })).not.toHaveProperty('limit');
  });
});
