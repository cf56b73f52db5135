import { Space } from '../../src/core/space.js';
import { HybridClock } from '../../src/wire/hybrid-clock.js';
import { Replica } from '../../src/sync/replica.js';
import { parsePattern } from '../../src/core/names.js';

const replicaOf = () => {
  const space = new Space();
  const replica = new Replica({ space, clock: new HybridClock(() => 1_000) });
  replica.adopt('me');
  return { space, replica };
};

test('records are updated in place, never replaced', () => {
  const { replica } = replicaOf();
  const own = replica.ownWrite('ui/x', replica.clock.tick());
  expect(own).toMatchObject({ fqn: 'ui/x', from: 'me', rev: 0, deleted: false });
  const remote = replica.setValue('ui/x', replica.clock.tick(), 'other', 7);
  expect(remote).toBe(own);
  expect(replica.revision('ui/x')).toBe(7);
  // an own write keeps the hub revision until the hub answers
  replica.ownWrite('ui/x', replica.clock.tick(), own);
  expect(own).toMatchObject({ from: 'me', rev: 7 });
  expect(replica.ownUnmap('ui/x', replica.clock.tick())).toBe(own);
  expect(own.deleted).toBe(true);
});

test('a new id takes over the records of the old one', () => {
  const { replica } = replicaOf();
  const own = replica.ownWrite('a/x', replica.clock.tick());
  const theirs = replica.setValue('a/y', replica.clock.tick(), 'other', 1);
  replica.adopt('me-again');
  expect(own.from).toBe('me-again');
  expect(theirs.from).toBe('other');
  expect(replica.isOwn(own)).toBe(true);
});

test('knowsAny and forEachMatch select records by pattern (tombstones too)', () => {
  const { replica } = replicaOf();
  replica.setTombstone('ui.a/x', replica.clock.tick(), 'other', 2);
  replica.setValue('srv/y', replica.clock.tick(), 'other', 3);
  expect(replica.knowsAny(parsePattern('ui.>').tokens)).toBe(true);
  expect(replica.knowsAny(parsePattern('db.>').tokens)).toBe(false);
  const seen: string[] = [];
  replica.forEachMatch(parsePattern('srv/*').tokens, (record) => seen.push(record.fqn));
  expect(seen).toEqual(['srv/y']);
});

test('a correction takes the hub state unless a newer own write is on its way', () => {
  const { space, replica } = replicaOf();
  const refused = replica.clock.tick();
  replica.ownWrite('c/x', refused);
  const newer = replica.clock.tick();
  replica.ownWrite('c/x', newer);
  // the hub refused the first write, but the second one is still on its way: it stands
  replica.correct('c/x', { value: 'hub', stamp: refused, from: 'hub', rev: 4 }, refused);
  expect(replica.get('c/x')!.stamp).toBe(newer);
  // the hub refused the latest write: the replica and the var take the hub's state
  replica.correct('c/x', { value: 'hub', stamp: refused, from: 'hub', rev: 4 }, newer);
  expect(replica.get('c/x')).toMatchObject({ from: 'hub', rev: 4 });
  expect(space.resolve('c/x')!.deref()).toBe('hub');
});
