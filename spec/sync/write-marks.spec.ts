import { jest } from '@jest/globals';
import { Space } from '../../src/core/space.js';
import { HybridClock } from '../../src/wire/hybrid-clock.js';
import type { Connection } from '../../src/sync/connection.js';
import { Replica } from '../../src/sync/replica.js';
import { WriteMarks } from '../../src/sync/write-marks.js';

/** A connection that only records what goes into its outbox. */
function fakeConnection() {
  const sent: string[] = [];
  const connection = {
    isOpen: true,
    closing: false,
    outbox: { put: (_key: string, text: string) => void sent.push(text), push: (text: string) => void sent.push(text) },
  };
  return { sent, connection: connection as unknown as Connection & { isOpen: boolean } };
}

function setup() {
  const { sent, connection } = fakeConnection();
  const replica = new Replica({ space: new Space(), clock: new HybridClock(() => 1_000) });
  replica.adopt('me');
  let resent = 0;
  const marks = new WriteMarks({ connection, replica, resendAfterDrop: () => void resent++ });
  const write = (fqn: string, text: string) => marks.track(replica.ownWrite(fqn, replica.clock.tick()), text);
  return { sent, marks, replica, write, resent: () => resent };
}

afterEach(() => jest.useRealTimers());

test('a frame of several writes ends with a mark; its marked answer confirms them', async () => {
  const { sent, marks, write } = setup();
  write('a/x', '["a/x"]');
  write('a/y', '["a/y"]');
  marks.appendMark(false);
  expect(sent).toEqual(['["a/x"]', '["a/y"]', '{"t":"mark","n":1}']);
  let done = false;
  const confirmed = marks.confirmed().then(() => (done = true));
  await Promise.resolve();
  expect(done).toBe(false);
  marks.onMarked(1);
  await confirmed;
  expect(done).toBe(true);
  marks.close();
});

test('a lone write carries no mark: it goes out when the mark timer ends', () => {
  jest.useFakeTimers();
  const { sent, marks, write } = setup();
  write('a/x', '["a/x"]');
  marks.appendMark(true);
  expect(sent).toEqual(['["a/x"]']);
  jest.advanceTimersByTime(1_000);
  expect(sent).toEqual(['["a/x"]', '{"t":"mark","n":1}']);
  marks.close();
});

test('writes of a dropped frame are set aside (a marked answer does not clear them) and sent again after a pause', () => {
  jest.useFakeTimers();
  const { sent, marks, write, resent } = setup();
  write('a/x', '["a/x"]');
  marks.appendMark(false);
  marks.onFrameDropped();
  marks.onMarked(1);
  sent.length = 0;
  jest.advanceTimersByTime(2_100);
  expect(sent[0]).toBe('["a/x"]');
  expect(resent()).toBe(1);
  marks.close();
});

test('after a reconnect every unconfirmed write is queued again with a mark', () => {
  const { sent, marks, write } = setup();
  write('a/x', '["a/x"]');
  marks.appendMark(false);
  sent.length = 0;
  marks.resend();
  expect(sent).toEqual(['["a/x"]', '{"t":"mark","n":2}']);
  marks.close();
});

test('closing stops the marks and releases who waits for one', async () => {
  const { marks, write } = setup();
  write('a/x', '["a/x"]');
  const confirmed = marks.confirmed();
  marks.close();
  await expect(confirmed).resolves.toBeUndefined();
});
