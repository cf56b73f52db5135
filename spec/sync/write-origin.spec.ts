import { firstValueFrom } from 'rxjs';
import { Space, connect, startHub, type HubHandle, type Link } from '../../src/index.js';

// One write path with the origin as data: `set` and `cas` write the local var with the link's own
// id as origin, so the write hook of a share covering the var does not send the write again.

let hub: HubHandle;
const links: Link[] = [];

beforeEach(async () => {
  hub = await startHub({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
  await hub.close();
});

async function client() {
  const space = new Space();
  const link = await connect(hub.url, { space });
  links.push(link);
  return { space, link };
}

test('a set of a shared var is sent once (as the request), and its change carries the link as origin', async () => {
  const { space, link } = await client();
  const target = space.intern('o/x', 0);
  await link.share('o.>').synced;
  const before = link.stats().valuesOut;
  const change = firstValueFrom(target.changes$);
  await link.set('o/x', 1);
  expect((await change).origin).toBe(link.instanceId);
  expect(link.stats().valuesOut).toBe(before);
  target.reset(2); // a plain local write is the share's to send
  expect(link.stats().valuesOut).toBe(before + 1);
});

test('a set inside a transaction is not sent again by a share when the transaction emits', async () => {
  const { space, link } = await client();
  space.intern('o/y', 0);
  await link.share('o.>').synced;
  const before = link.stats().valuesOut;
  let ack!: Promise<unknown>;
  space.transact(() => {
    ack = link.set('o/y', 5);
  });
  await ack;
  expect(space.resolve('o/y')!.deref()).toBe(5);
  expect(link.stats().valuesOut).toBe(before);
});

test('a cas of a shared var is not sent again by the share', async () => {
  const { space, link } = await client();
  await link.share('o.>').synced;
  const before = link.stats().valuesOut;
  await link.cas('o/z', 0, 'first');
  expect(space.resolve('o/z')!.deref()).toBe('first');
  expect(link.stats().valuesOut).toBe(before);
});
