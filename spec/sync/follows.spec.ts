import { Space } from '../../src/core/space.js';
import { parsePattern } from '../../src/core/names.js';
import { HybridClock } from '../../src/wire/hybrid-clock.js';
import type { Connection } from '../../src/sync/connection.js';
import { Follows } from '../../src/sync/follows.js';
import { Replica } from '../../src/sync/replica.js';
import type { Requests } from '../../src/sync/requests.js';

function setup() {
  const sent: object[] = [];
  const connection = { epoch: 'e1', outbox: { push: (text: string) => void sent.push(JSON.parse(text)) } } as unknown as Connection;
  const space = new Space();
  const replica = new Replica({ space, clock: new HybridClock(() => 1_000) });
  replica.adopt('me');
  const requests = { awaits: () => false } as unknown as Requests;
  const errors: unknown[] = [];
  const follows = new Follows({ connection, replica, requests, space, fail: (error) => errors.push(error) });
  const follow = (pattern: string, into?: string) => follows.follow(pattern, parsePattern(pattern).tokens, into);
  return { sent, space, replica, follows, follow, errors };
}

const stamp = (n: number) => `0000000003e8${n.toString(16).padStart(6, '0')}`;

test('a follow sends its sub, is synced at the subok, and ends with an unsub', async () => {
  const { sent, follows, follow } = setup();
  const sub = follow('ui.>');
  expect(sent).toEqual([{ t: 'sub', sid: 1, pattern: 'ui.>' }]);
  follows.onSubOk(1, 4);
  await sub.synced;
  sub.unsubscribe();
  expect(sent[1]).toEqual({ t: 'unsub', sid: 1 });
  // after a reconnect it resumes from the revision it reached
  const again = follow('srv.>');
  follows.onSubOk(2, 9);
  await again.synced;
  sent.length = 0;
  follows.resubscribe();
  expect(sent).toEqual([{ t: 'sub', sid: 2, pattern: 'srv.>', since: 9, epoch: 'e1' }]);
  follows.rebase(false, undefined); // another hub state: from revision 0
  sent.length = 0;
  follows.resubscribe();
  expect(sent).toEqual([{ t: 'sub', sid: 2, pattern: 'srv.>', since: 0, epoch: 'e1' }]);
});

test('updates go into the space (mounted under into), tagged with their writer; older ones lose', () => {
  const { space, follows, follow, replica } = setup();
  follow('ui.>', 'peers.a');
  follows.onSubOk(1, 0);
  const tagged: unknown[] = [];
  follows.updates.subscribe((t) => tagged.push(t));
  const newer = stamp(5);
  follows.onUpdates({ t: 'upds', from: 'w', u: [['ui/x', newer, 3, 'new']] } as never);
  follows.onUpdates({ t: 'upds', from: 'w', u: [['ui/x', stamp(1), 4, 'old']] } as never);
  expect(space.resolve('peers.a.ui/x')!.deref()).toBe('new');
  expect(replica.get('ui/x')).toMatchObject({ stamp: newer, from: 'w', rev: 3 });
  expect(tagged).toEqual([{ value: 'new', fqn: 'ui/x', from: 'w', stamp: newer }]);
  // an update nothing follows (its follow ended on the way) is dropped
  follows.onUpdates({ t: 'upds', from: 'w', u: [['db/y', stamp(6), 5, 1]] } as never);
  expect(space.resolve('db/y')).toBeUndefined();
  expect(follows.valuesIn).toBe(1);
});
