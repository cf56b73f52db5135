import { Space } from '../../src/core/space.js';
import { HubCounters } from '../../src/hub/hub-counters.js';
import { memoryStore } from '../../src/hub/memory-store.js';
import { SpaceMirror } from '../../src/hub/space-mirror.js';
import type { StoreRecord } from '../../src/hub/store.js';

const record = (fqn: string, value: unknown, rev: number, deleted = false): StoreRecord => ({
  fqn,
  value,
  stamp: '0000000000010000',
  from: 'client',
  rev,
  deleted,
});

function setup() {
  const space = new Space();
  const store = memoryStore();
  const mirror = new SpaceMirror(space, store, new HubCounters());
  const local: string[] = [];
  mirror.watch({
    localWrite: (fqn, value) => local.push(`write ${fqn}=${JSON.stringify(value)}`),
    localUnmap: (fqn) => local.push(`unmap ${fqn}`),
  });
  return { space, store, mirror, local };
}

test("a client's write is mirrored with its origin and not taken back as a local write", () => {
  const { space, store, mirror, local } = setup();
  const written = record('ui.a/x', 1, 1);
  mirror.apply(written);
  store.put(written);
  expect(space.resolve('ui.a/x')!.getValue()).toBe(1);
  mirror.apply(record('ui.a/x', 2, 2));
  mirror.apply(record('ui.a/x', undefined, 3, true));
  expect(space.resolve('ui.a/x')).toBeUndefined();
  expect(local).toEqual([]);
});

test('writes and unmaps made on the hub reach the local writes', () => {
  const { space, local } = setup();
  space.intern('ui.a/y', 5);
  space.resolve('ui.a/y')!.reset(6);
  space.unmap('ui.a/y');
  expect(local).toEqual(['write ui.a/y=5', 'write ui.a/y=6', 'unmap ui.a/y']);
});

test('a late mirror is skipped once a newer write of its var is held', () => {
  const { space, store, mirror } = setup();
  const older = record('ui.a/z', 1, 1);
  store.put(older);
  store.put({ ...record('ui.a/z', 2, 2), stamp: '0000000000020000' });
  mirror.applyLate([older]);
  expect(space.resolve('ui.a/z')).toBeUndefined();
});

test('a var with a validator is not deferred; closing stops the local writes', () => {
  const { space, mirror, local } = setup();
  expect(mirror.defers('ui.a/v')).toBe(true);
  space.intern('ui.a/v', 1).setValidator(() => true);
  expect(mirror.defers('ui.a/v')).toBe(false);
  mirror.close();
  space.resolve('ui.a/v')!.reset(2);
  expect(local).toEqual(['write ui.a/v=1']);
});
