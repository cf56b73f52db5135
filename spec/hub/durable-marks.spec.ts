// A writer drops its copies of the writes a `marked` covers, so the hub must answer a mark only
// once those writes are durable in its store (a crash in between would lose them for good).
import { WebSocket } from 'ws';
import { memoryStore, startHub, type HubHandle, type StoreRecord } from '../../src/index.js';
import { storeWithPut } from '../support/store-with-put.js';

/** A memory store whose puts settle only when the test says so. */
function gatedStore() {
  const inner = memoryStore();
  const gates: { record: StoreRecord; resolve(): void; reject(error: Error): void }[] = [];
  const store = storeWithPut(inner, (record) => {
    void inner.put(record);
    return new Promise<void>((resolve, reject) => gates.push({ record, resolve, reject }));
  });
  /** The pending put of `fqn` (the hub's own writes, such as presence, are gated too). */
  const gate = (fqn: string) => gates.find((g) => g.record.fqn === fqn)!;
  return { store, gates, gate };
}

let hub: HubHandle;
let socket: WebSocket;

afterEach(async () => {
  socket?.terminate();
  await hub.close();
});

/** A raw protocol client, welcomed. */
async function rawClient() {
  socket = new WebSocket(hub.url);
  const received: { t: string; n?: number; ref?: number }[] = [];
  socket.on('message', (data) => received.push(...JSON.parse(String(data))));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const send = (frame: unknown[]) => socket.send(JSON.stringify(frame));
  /** Waits for the pong of a ping sent now: everything the hub sent before it has arrived. */
  let nextPing = 1;
  const roundTrip = async () => {
    const n = nextPing++;
    send([{ t: 'ping', n }]);
    for (let i = 0; i < 200 && !received.some((m) => m.t === 'pong' && m.n === n); i++) await new Promise((r) => setTimeout(r, 10));
    expect(received.some((m) => m.t === 'pong' && m.n === n)).toBe(true);
  };
  send([{ t: 'hello', versions: [1] }]);
  await roundTrip();
  expect(received[0].t).toBe('welcome');
  return { received, send, roundTrip, marks: () => received.filter((m) => m.t === 'marked').map((m) => m.n) };
}

test('a mark is answered only once the writes before it are durable', async () => {
  const { store, gates, gate } = gatedStore();
  hub = await startHub({ port: 0, host: '127.0.0.1', store });
  const client = await rawClient();

  client.send([
    { t: 'pub', fqn: 'd/x', value: 1, stamp: '0000000000100000' },
    { t: 'pub', fqn: 'd/y', value: 2, stamp: '0000000000100001' },
    { t: 'mark', n: 1 },
  ]);
  await client.roundTrip();
  expect(gates.map((g) => g.record.fqn).filter((fqn) => fqn.startsWith('d/'))).toEqual(['d/x', 'd/y']);
  expect(client.marks()).toEqual([]);

  gate('d/x').resolve();
  await client.roundTrip();
  expect(client.marks()).toEqual([]); // d/y is not durable yet

  gate('d/y').resolve();
  await client.roundTrip();
  expect(client.marks()).toEqual([1]);

  // With nothing waiting for the store, a mark is answered at once.
  client.send([{ t: 'mark', n: 2 }]);
  await client.roundTrip();
  expect(client.marks()).toEqual([1, 2]);
});

test('after a store failure the session’s marks go unanswered: its writes stay unconfirmed, to be sent again', async () => {
  const { store, gate } = gatedStore();
  hub = await startHub({ port: 0, host: '127.0.0.1', store });
  const errors: unknown[] = [];
  hub.space.errors$.subscribe((e) => errors.push(e));
  const client = await rawClient();

  client.send([
    { t: 'pub', fqn: 'd/x', value: 1, stamp: '0000000000100000' },
    { t: 'mark', n: 1 },
  ]);
  await client.roundTrip();
  gate('d/x').reject(new Error('disk full'));
  await client.roundTrip();
  client.send([
    { t: 'pub', fqn: 'd/z', value: 3, stamp: '0000000000100002' },
    { t: 'mark', n: 2 },
  ]);
  await client.roundTrip();
  gate('d/z').resolve();
  await client.roundTrip();
  expect(client.marks()).toEqual([]);
  expect(errors.map((e) => String(e))).toEqual([expect.stringContaining('disk full')]);
});
