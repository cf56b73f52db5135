import { Durability } from '../../src/hub/durability.js';
import { HubCounters } from '../../src/hub/hub-counters.js';
import { memoryStore } from '../../src/hub/memory-store.js';
import type { Store, StoreRecord } from '../../src/hub/store.js';
import { fakeSession } from './fake-session.js';

const record = (rev: number): StoreRecord => ({ fqn: 'a.b/c', value: rev, stamp: '0000000000010000', from: 'i-1', rev, deleted: false });

/** A store whose puts settle when the test says. */
function slowStore() {
  const base = memoryStore();
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const store: Store = {
    ...base,
    epoch: base.epoch,
    get rev() {
      return base.rev;
    },
    get: (fqn) => base.get(fqn),
    records: () => base.records(),
    close: () => base.close(),
    put: (r) => {
      base.put(r);
      return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
    },
  };
  return { store, pending };
}

test('with a synchronous store, acks and marks are answered at once', () => {
  const durability = new Durability(memoryStore(), new HubCounters(), () => undefined);
  const writer = fakeSession();
  durability.put(record(1), writer.session);
  durability.ack(writer.session, 7, record(1));
  durability.mark(writer.session, 1);
  expect(writer.messages()).toEqual([
    { t: 'ack', ref: 7, stamp: '0000000000010000', rev: 1 },
    { t: 'marked', n: 1 },
  ]);
});

test('acks and marks wait until the put is durable', async () => {
  const { store, pending } = slowStore();
  const durability = new Durability(store, new HubCounters(), () => undefined);
  const writer = fakeSession();
  const written = record(1);
  durability.put(written, writer.session);
  durability.ack(writer.session, 7, written);
  durability.mark(writer.session, 1);
  await Promise.resolve();
  expect(writer.messages()).toEqual([]);
  pending[0].resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
  expect(writer.messages()).toEqual([
    { t: 'ack', ref: 7, stamp: '0000000000010000', rev: 1 },
    { t: 'marked', n: 1 },
  ]);
  expect(writer.session.lastUnsynced).toBeUndefined();
});

test("a failed put answers the ack with an err, is reported, and stops the writer's marks", async () => {
  const { store, pending } = slowStore();
  const counters = new HubCounters();
  const reported: unknown[] = [];
  const durability = new Durability(store, counters, (error) => reported.push(error));
  const writer = fakeSession();
  const written = record(1);
  durability.put(written, writer.session);
  durability.ack(writer.session, 7, written);
  pending[0].reject(new Error('disk full'));
  await new Promise((resolve) => setTimeout(resolve, 0));
  durability.mark(writer.session, 1);
  await new Promise((resolve) => setTimeout(resolve, 0));
  const messages = writer.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ t: 'err', ref: 7, fqn: 'a.b/c' });
  expect(counters.errors).toBe(1);
  expect(reported).toHaveLength(1);
  expect(writer.session.storeFailed).toBe(true);
});
