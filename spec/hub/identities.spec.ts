import { jest } from '@jest/globals';
import { Access } from '../../src/hub/access.js';
import { Identities } from '../../src/hub/identities.js';
import type { Session } from '../../src/hub/session.js';
import { fakeSession } from './fake-session.js';

function setup() {
  const refused: { session: Session; code: string; closeCode: number }[] = [];
  const identities = new Identities(60_000, (session, error, closeCode) => refused.push({ session, code: error.code, closeCode }));
  return { identities, refused };
}

function carrier(id: string, identity: string, principal?: string) {
  const { session } = fakeSession(principal ? { principal: { name: principal } } : {}, id);
  session.attributes = { identity };
  return session;
}

afterEach(() => jest.useRealTimers());

test('a live or remembered id is refused without the right token, any other is not', () => {
  const { identities, refused } = setup();
  const live = fakeSession({}, 'live').session;
  identities.join(live);
  const newcomer = fakeSession({}, '').session;
  expect(identities.mayResume(newcomer, 'live', false)).toBe(false);
  expect(identities.mayResume(newcomer, 'live', true)).toBe(true);
  expect(identities.mayResume(newcomer, 'unknown', false)).toBe(true);
  expect(identities.leave(live)).toBe(true);
  expect(identities.mayResume(newcomer, 'live', false)).toBe(false);
  expect(refused.map((r) => r.closeCode)).toEqual([4003, 4003]);
  expect(identities.size).toBe(0);
});

test('a departed id is forgotten after the resume ttl', () => {
  jest.useFakeTimers();
  const { identities } = setup();
  const gone = fakeSession({}, 'gone').session;
  identities.join(gone);
  identities.leave(gone);
  jest.advanceTimersByTime(60_001);
  expect(identities.mayResume(fakeSession().session, 'gone', false)).toBe(true);
});

test('an identity is carried once: takeover replaces a carrier of the same principal only', () => {
  const { identities, refused } = setup();
  const holder = carrier('h', 'dash', 'alice');
  identities.join(holder);
  const same = carrier('s', 'dash', 'alice');
  expect(identities.mayCarry(same, { identity: 'dash', takeover: false, stale: undefined })).toBe(false);
  const other = carrier('o', 'dash', 'bob');
  expect(identities.mayCarry(other, { identity: 'dash', takeover: true, stale: undefined })).toBe(false);
  expect(identities.mayCarry(same, { identity: 'dash', takeover: true, stale: undefined })).toBe(true);
  expect(refused.map((r) => [r.session.id, r.closeCode])).toEqual([
    ['s', 4003],
    ['o', 4003],
    ['h', 4009],
  ]);
  // The connection a resume replaces is no rival.
  expect(identities.mayCarry(carrier('h', 'dash', 'alice'), { identity: 'dash', takeover: false, stale: holder })).toBe(true);
});

test('on a hub with rules, an identity must be listed', () => {
  const { identities, refused } = setup();
  const session = carrier('x', 'dash', 'alice');
  session.access = new Access({ name: 'alice' }, { alice: { identities: ['other'] } });
  expect(identities.mayCarry(session, { identity: 'dash', takeover: false, stale: undefined })).toBe(false);
  expect(refused[0].code).toBe('VS_FORBIDDEN');
});
