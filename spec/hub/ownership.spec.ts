import { jest } from '@jest/globals';
import { Space } from '../../src/core/space.js';
import { Ownership } from '../../src/hub/ownership.js';

afterEach(() => jest.useRealTimers());

test('an owner that leaves takes its vars after the grace time, unless it returns', () => {
  jest.useFakeTimers();
  const space = new Space();
  space.intern('jobs.a/1', 1);
  space.intern('jobs.a/2', 2);
  const ownership = new Ownership(space, { graceMs: 1_000 });
  ownership.claim('jobs.a/1', 'owner');
  ownership.claim('jobs.a/2', 'back');
  expect(space.resolve('jobs.a/1')!.meta).toMatchObject({ owner: 'owner' });
  ownership.left('owner');
  ownership.left('back');
  ownership.left('owns-nothing');
  ownership.returned('back');
  jest.advanceTimersByTime(1_001);
  expect(space.resolve('jobs.a/1')).toBeUndefined();
  expect(space.resolve('jobs.a/2')!.getValue()).toBe(2);
});

test('onLeave stale marks the vars instead; close stops the timers', () => {
  jest.useFakeTimers();
  const space = new Space();
  space.intern('jobs.a/1', 1);
  space.intern('jobs.a/2', 2);
  const ownership = new Ownership(space, { graceMs: 1_000, onLeave: 'stale' });
  ownership.claim('jobs.a/1', 'owner');
  ownership.left('owner');
  jest.advanceTimersByTime(1_001);
  expect(space.resolve('jobs.a/1')!.meta).toMatchObject({ owner: 'owner', stale: true });
  ownership.claim('jobs.a/2', 'other');
  ownership.left('other');
  ownership.close();
  jest.advanceTimersByTime(1_001);
  expect(space.resolve('jobs.a/2')!.meta).toEqual({ owner: 'other' });
});
