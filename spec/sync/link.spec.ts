import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { Space } from '../../src/core/space.js';
import { startHub, type HubHandle } from '../../src/hub/start-hub.js';
import { connect } from '../../src/sync/connect-node.js';
import type { Link } from '../../src/sync/link.js';

let hub: HubHandle;
const links: Link[] = [];
beforeEach(async () => {
  hub = await startHub({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
  await hub.close();
});
async function client(attributes: Record<string, string> = {}) {
  const space = new Space();
  const link = await connect(hub.url, { space, attributes });
  links.push(link);
  return { space, link };
}

test('a shared var appears in a follower, tagged with the writer id', async () => {
  const a = await client({ appName: 'a' });
  const b = await client({ appName: 'b' });
  expect(a.link.instanceId).not.toBe(b.link.instanceId);
  const followed = b.link.follow('ui.>');
  await followed.synced;
  a.space.intern('ui.buttons/b1', { pressed: false });
  a.link.share('ui.>');
  const v = await b.space.await('ui.buttons/b1', { timeoutMs: 2000 });
  const tagged = await firstValueFrom(b.link.remote$('ui.buttons/b1'));
  expect(tagged.from).toBe(a.link.instanceId);
  expect(v.deref()).toEqual({ pressed: false });
  const seen = firstValueFrom(v.changes$.pipe(take(1)));
  a.space.resolve('ui.buttons/b1')!.reset({ pressed: true });
  const change = await seen;
  expect(change.value).toEqual({ pressed: true });
  expect(change.origin).toBe(a.link.instanceId);
});

test('set resolves on ack and reaches the hub space', async () => {
  const a = await client();
  const ack = await a.link.set('app/theme', 'dark');
  expect(ack.rev).toBeGreaterThan(0);
  expect(hub.space.resolve('app/theme')!.deref()).toBe('dark');
});
