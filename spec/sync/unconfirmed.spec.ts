import { UnconfirmedWrites, type UnconfirmedWrite } from '../../src/sync/unconfirmed.js';

interface Rec extends UnconfirmedWrite {
  fqn: string;
}
const rec = (fqn: string): Rec => ({ fqn, unconfirmed: undefined, mark: 0, olderWrite: undefined, newerWrite: undefined });
const waiting = (log: UnconfirmedWrites<Rec>) => log.entries().map((r) => `${r.fqn}=${r.unconfirmed}@${r.mark}`);

test('unconfirmed writes are kept latest per var, in the order of the latest writes', () => {
  const log = new UnconfirmedWrites<Rec>();
  const [a, b, c] = [rec('a'), rec('b'), rec('c')];
  log.add(a, 'a1', 1);
  log.add(b, 'b1', 1);
  log.add(c, 'c1', 2);
  log.add(a, 'a2', 2); // moves to the end
  log.add(a, 'a3', 3); // the newest: replaced in place
  expect(waiting(log)).toEqual(['b=b1@1', 'c=c1@2', 'a=a3@3']);
  expect(log.size).toBe(3);
});

test('a mark confirms the writes it covers, oldest first, and leaves the later ones', () => {
  const log = new UnconfirmedWrites<Rec>();
  const [a, b, c] = [rec('a'), rec('b'), rec('c')];
  log.add(a, 'a1', 1);
  log.add(b, 'b1', 2);
  log.add(c, 'c1', 3);
  log.confirm(2);
  expect(waiting(log)).toEqual(['c=c1@3']);
  expect(a.unconfirmed).toBeUndefined();
  expect(b.unconfirmed).toBeUndefined();
  expect(log.size).toBe(1);
  // a confirmed record can wait again
  log.add(a, 'a2', 4);
  expect(waiting(log)).toEqual(['c=c1@3', 'a=a2@4']);
  log.confirm(10);
  expect(waiting(log)).toEqual([]);
  expect(log.size).toBe(0);
});

test('clear forgets every waiting write; entries is a copy, safe while the list changes', () => {
  const log = new UnconfirmedWrites<Rec>();
  const records = ['a', 'b', 'c', 'd'].map(rec);
  records.forEach((r, i) => log.add(r, `${r.fqn}1`, i + 1));
  for (const r of log.entries()) log.add(r, `${r.fqn}2`, 9); // re-adding while iterating the copy
  expect(waiting(log)).toEqual(['a=a2@9', 'b=b2@9', 'c=c2@9', 'd=d2@9']);
  log.clear();
  expect(log.size).toBe(0);
  expect(waiting(log)).toEqual([]);
  expect(records.every((r) => r.unconfirmed === undefined && r.olderWrite === undefined && r.newerWrite === undefined)).toBe(true);
});
