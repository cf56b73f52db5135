import { HubCounters } from '../../src/hub/hub-counters.js';
import { resolveLimits } from '../../src/hub/limits.js';
import { memoryStore } from '../../src/hub/memory-store.js';
import { Router } from '../../src/hub/router.js';
import type { StoreRecord } from '../../src/hub/store.js';
import { fakeSession } from './fake-session.js';

const STAMP = '0000000000010000';
const record = (fqn: string, rev: number, from = 'w'): StoreRecord => ({ fqn, value: rev, stamp: STAMP, from, rev, deleted: false });

function setup() {
  const store = memoryStore();
  const counters = new HubCounters();
  const router = new Router(store, resolveLimits({ maxFollowsPerConnection: 2 }), counters);
  return { store, counters, router };
}

test('a follow gets the matching snapshot then subok, and later writes of others only', () => {
  const { store, counters, router } = setup();
  store.put(record('ui.a/x', 1));
  store.put(record('db.b/y', 2));
  const reader = fakeSession({}, 'r');
  router.follow(reader.session, { t: 'sub', sid: 1, pattern: 'ui.>' });
  const first = reader.messages();
  expect(JSON.stringify(first)).toContain('ui.a/x');
  expect(JSON.stringify(first)).not.toContain('db.b/y');
  expect(first.at(-1)).toEqual({ t: 'subok', sid: 1, rev: 2 });

  router.route(record('ui.a/x', 3), undefined, undefined);
  router.route(record('ui.a/x', 4, 'r'), reader.session, undefined); // its own write: no echo
  router.route(record('db.b/y', 5), undefined, undefined); // not followed
  expect(counters.valuesRouted).toBe(1);
  expect(JSON.stringify(reader.messages())).toContain('ui.a/x');
});

test("a follow with since skips older revisions and the follower's own writes", () => {
  const { store, router } = setup();
  store.put(record('ui.a/x', 1));
  store.put(record('ui.a/y', 2, 'r'));
  store.put(record('ui.a/z', 3));
  const reader = fakeSession({}, 'r');
  router.follow(reader.session, { t: 'sub', sid: 1, pattern: '>', since: 1, epoch: store.epoch });
  const text = JSON.stringify(reader.messages());
  expect(text).toContain('ui.a/z');
  expect(text).not.toContain('ui.a/x');
  expect(text).not.toContain('ui.a/y');
});

test('unfollow and forget stop routing; the follow limit is enforced', () => {
  const { counters, router } = setup();
  const reader = fakeSession();
  router.follow(reader.session, { t: 'sub', sid: 1, pattern: 'a.>' });
  router.follow(reader.session, { t: 'sub', sid: 2, pattern: 'b.>' });
  router.follow(reader.session, { t: 'sub', sid: 3, pattern: 'c.>' });
  expect(reader.messages().at(-1)).toMatchObject({ t: 'err', sid: 3 });
  router.unfollow(reader.session, 1);
  router.route(record('a.n/x', 1), undefined, undefined);
  router.forget(reader.session);
  router.route(record('b.n/x', 2), undefined, undefined);
  expect(counters.valuesRouted).toBe(0);
  expect(reader.session.follows.size).toBe(0);
});

test('a routed follower whose outbox was empty is flushed as the frame ends', () => {
  const { router } = setup();
  const reader = fakeSession();
  router.follow(reader.session, { t: 'sub', sid: 1, pattern: '>' });
  reader.messages();
  const frame = { flush: [], mirrors: [] };
  router.route(record('ui.a/x', 1), undefined, frame);
  expect(frame.flush).toEqual([reader.session]);
});
