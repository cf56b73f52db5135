// A link given the hubs of a cluster (two hubs on one NATS JetStream bucket, sharing `secret`)
// fails over from one to the other: it keeps its instance id, finds the same state there, and
// resyncs by revision (same store epoch), so only what changed while it was away comes back.
// Real nats-server, real hubs, real loopback WebSockets.
import { Space, connect, startHub, type HubHandle, type Link, type LinkStatus } from '../../src/index.js';
import { startNatsServer } from '../support/nats-server.js';
import { waitFor } from '../sync/net-helpers.js';
import { natsStore } from '../../src/nats/index.js';

const SECRET = 'the-secret-shared-by-the-hubs-of-the-cluster-failover-spec';
const FAST = { initialDelayMs: 5, maxDelayMs: 40 };
const VARS = 50;

describe('cluster failover: connect([hubA, hubB]) on one NATS bucket', () => {
  let nats: { url: string; stop(): Promise<void> };
  let hubs: HubHandle[] = [];
  const links: Link[] = [];

  beforeEach(async () => {
    nats = await startNatsServer();
    hubs = [];
    for (let i = 0; i < 2; i++) {
      const store = await natsStore({ servers: nats.url, bucket: 'failover' });
      hubs.push(await startHub({ port: 0, host: '127.0.0.1', store, secret: SECRET }));
    }
  });
  afterEach(async () => {
    for (const link of links.splice(0)) await link.close();
    for (const hub of hubs) await hub.close().catch(() => undefined);
    await nats.stop();
  });

  async function link(urls: string[]) {
    const space = new Space();
    const l = await connect(urls, { space, reconnect: FAST });
    links.push(l);
    const statuses: LinkStatus[] = [];
    l.status$.subscribe((s) => statuses.push(s));
    return { link: l, space, statuses };
  }

  test('fails over to hub B with the same instance id and resyncs only what changed while away', async () => {
    const [a, b] = hubs;
    const writer = await link([b.url]);
    for (let i = 0; i < VARS; i++) writer.space.intern(`data/v${i}`, i);
    await writer.link.share('data.>').synced;

    const follower = await link([a.url, b.url]);
    const id = follower.link.instanceId;
    await follower.link.follow('data.>').synced;
    await waitFor(() => follower.space.resolve(`data/v${VARS - 1}`)?.deref() === VARS - 1, 'every value on the follower');
    const before = follower.link.stats().valuesIn;

    await a.close();
    writer.space.resolve('data/v7')!.reset('changed while the follower was away');
    await waitFor(() => follower.link.status$.value === 'open' && follower.statuses.includes('reconnecting'), 'failover to hub B');
    await waitFor(() => follower.space.resolve('data/v7')?.deref() === 'changed while the follower was away', 'the change on the follower');

    expect(follower.link.instanceId).toBe(id);
    expect(follower.statuses).toEqual(['open', 'reconnecting', 'open']);
    // the same epoch on both hubs (the bucket's): a resync from the follower's revision, not the whole space
    const resent = follower.link.stats().valuesIn - before;
    expect(resent).toBeGreaterThanOrEqual(1);
    expect(resent).toBeLessThan(VARS / 2);
    for (let i = 0; i < VARS; i++) if (i !== 7) expect(follower.space.resolve(`data/v${i}`)?.deref()).toBe(i);
  });

  test("a link's acknowledged writes through hub A are on hub B after the failover, and its later writes carry on", async () => {
    const [a, b] = hubs;
    const observer = await link([b.url]);
    await observer.link.follow('mine.>').synced;
    const writer = await link([a.url, b.url]);
    const id = writer.link.instanceId;
    const ack = await writer.link.set('mine/x', 'acked on A');
    await waitFor(() => observer.space.resolve('mine/x')?.deref() === 'acked on A', 'the write to cross to hub B');

    await a.close();
    await waitFor(() => writer.link.status$.value === 'open' && writer.statuses.includes('reconnecting'), 'failover to hub B');
    expect(writer.link.instanceId).toBe(id);
    expect(b.space.resolve('mine/x')?.deref()).toBe('acked on A');
    const next = await writer.link.set('mine/x', 'written on B');
    expect(next.rev).toBeGreaterThan(ack.rev);
    await waitFor(() => observer.space.resolve('mine/x')?.deref() === 'written on B', 'the later write on the observer');
  });

  test('presence across hubs: an observer on hub B sees the failed-over link under the same id, once', async () => {
    const [a, b] = hubs;
    const observer = await link([b.url]);
    const present = new Map<string, number>();
    observer.link.instances$({ appName: 'roaming' }).subscribe((event) => {
      if (event.type === 'current') for (const i of event.instances) present.set(i.instanceId, (present.get(i.instanceId) ?? 0) + 1);
      else if (event.type === 'join') present.set(event.instance.instanceId, (present.get(event.instance.instanceId) ?? 0) + 1);
      else present.delete(event.instance.instanceId);
    });
    const space = new Space();
    const roaming = await connect([a.url, b.url], { space, reconnect: FAST, attributes: { appName: 'roaming' } });
    links.push(roaming);
    const id = roaming.instanceId;
    await waitFor(() => present.has(id), 'the link on hub A to be present on hub B');

    await a.close();
    await waitFor(() => roaming.status$.value === 'open' && roaming.hubId === b.hub.id, 'failover to hub B');
    expect(roaming.instanceId).toBe(id);
    // the id left with hub A (or never left) and is there again, as one instance
    await waitFor(() => present.get(id) === 1, 'the same id present once on hub B');
    expect([...present.keys()]).toEqual([id]);
  });
});
