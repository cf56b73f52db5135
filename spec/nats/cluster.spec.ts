// Several hubs on one real nats-server (JetStream KV): what a write through one hub looks like on
// another, last writer wins across hubs, cas, tombstones, presence and identities, NATS going away.
import { randomUUID } from 'node:crypto';
import { StoreUnavailableError } from '../../src/core/errors.js';
import type { HubHandle, StartHubOptions } from '../../src/index.js';
import { natsStore } from '../../src/nats/index.js';
import { rawClient, type RawClient } from '../hub/raw-client.js';
import { loopbackHub } from '../support/loopback-hub.js';
import { freePort, startNatsServer, type NatsServer } from '../support/nats-server.js';
import { waitFor } from '../sync/net-helpers.js';

let nats: NatsServer;
const open: { close(): unknown }[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats.close();
});
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

/** `count` hubs on one new bucket. */
async function hubs(
  count: number,
  extra: { hubIntervalMs?: number; hubTimeoutMs?: number } = {},
  hubOptions: Partial<StartHubOptions> = {},
): Promise<HubHandle[]> {
  const bucket = `b${randomUUID().slice(0, 8)}`;
  const started: HubHandle[] = [];
  for (let i = 0; i < count; i++) {
    const store = await natsStore({ servers: nats.url, bucket, ...extra });
    started.push(await loopbackHub(open, { store, heartbeat: false, ...hubOptions }));
  }
  return started;
}

/** A raw client, welcomed, following `pattern`. */
async function follower(hub: HubHandle, pattern: string, hello: Record<string, unknown> = {}): Promise<RawClient> {
  const client = await rawClient(hub.url, open);
  await client.hello(hello);
  client.send([{ t: 'sub', sid: 1, pattern }]);
  await client.next('subok');
  return client;
}

/** Every `upds` entry a client received for `fqn`, as `{ from, stamp, rev, value }`. */
function updates(client: RawClient, fqn: string): { from: string; stamp: string; rev: number; value: unknown }[] {
  return client.received
    .filter((m) => m.t === 'upds')
    .flatMap((m) =>
      m.u.filter((u: unknown[]) => u[0] === fqn).map((u: unknown[]) => ({ from: m.from, stamp: u[1], rev: u[2], value: u[3] })),
    );
}

test('a write through hub A reaches a follower on hub B with the same value, from, stamp and revision', async () => {
  const [a, b] = await hubs(2);
  const onA = await follower(a, 'ui.>');
  const onB = await follower(b, 'ui.>');
  const writer = await rawClient(a.url, open);
  const welcome = await writer.hello();
  writer.send([{ t: 'pub', fqn: 'ui.buttons/b1', value: { n: 1 }, stamp: '0000000000010000', ref: 7 }]);
  const ack = await writer.next('ack');
  await onB.until(() => updates(onB, 'ui.buttons/b1').length > 0);
  await onA.until(() => updates(onA, 'ui.buttons/b1').length > 0);
  const expected = { from: welcome.id, stamp: '0000000000010000', rev: ack.rev, value: { n: 1 } };
  expect(updates(onB, 'ui.buttons/b1')).toEqual([expected]);
  expect(updates(onA, 'ui.buttons/b1')).toEqual([expected]);
  expect(a.hub.store.epoch).toBe(b.hub.store.epoch);
  expect(a.hub.store.get('ui.buttons/b1')).toEqual(b.hub.store.get('ui.buttons/b1'));
  expect(b.space.resolve('ui.buttons/b1')?.getValue()).toEqual({ n: 1 });
});

test('two hubs racing on one var converge on every hub to the higher stamp', async () => {
  const [a, b] = await hubs(2);
  const [wa, wb] = [await rawClient(a.url, open), await rawClient(b.url, open)];
  await wa.hello();
  await wb.hello();
  for (let i = 0; i < 20; i++) {
    const base = 0x20000 + i * 0x100;
    // A's write is older in odd rounds, newer in even ones; both are sent at once.
    wa.send([{ t: 'pub', fqn: `race/v${i}`, value: 'a', stamp: (base + (i % 2 ? 1 : 2)).toString(16).padStart(16, '0'), ref: i }]);
    wb.send([{ t: 'pub', fqn: `race/v${i}`, value: 'b', stamp: (base + (i % 2 ? 2 : 1)).toString(16).padStart(16, '0'), ref: i }]);
  }
  await wa.until(() => wa.received.filter((m) => m.t === 'ack').length === 20);
  await wb.until(() => wb.received.filter((m) => m.t === 'ack').length === 20);
  await waitFor(
    () => Array.from({ length: 20 }, (_, i) => `race/v${i}`).every((f) => a.hub.store.get(f)?.rev === b.hub.store.get(f)?.rev),
    'both hubs to hold the same revisions',
  );
  for (let i = 0; i < 20; i++) {
    const winner = i % 2 ? 'b' : 'a';
    expect(a.hub.store.get(`race/v${i}`)?.value).toBe(winner);
    expect(b.hub.store.get(`race/v${i}`)?.value).toBe(winner);
    expect(a.space.resolve(`race/v${i}`)?.getValue()).toBe(winner);
    expect(b.space.resolve(`race/v${i}`)?.getValue()).toBe(winner);
  }
});

test('of two concurrent cas on different hubs with one expected revision, exactly one wins', async () => {
  const [a, b] = await hubs(2);
  const [wa, wb] = [await rawClient(a.url, open), await rawClient(b.url, open)];
  await wa.hello();
  await wb.hello();
  wa.send([{ t: 'pub', fqn: 'lock/x', value: 0, stamp: '0000000000030000', ref: 1 }]);
  const first = await wa.next('ack');
  await waitFor(() => b.hub.store.get('lock/x')?.rev === first.rev, 'hub B to hold the first write');
  wa.send([{ t: 'cas', fqn: 'lock/x', value: 'a', stamp: '0000000000030001', rev: first.rev, ref: 2 }]);
  wb.send([{ t: 'cas', fqn: 'lock/x', value: 'b', stamp: '0000000000030002', rev: first.rev, ref: 2 }]);
  const answer = async (c: RawClient) => {
    await c.until(() => c.received.some((m) => (m.t === 'ack' || m.t === 'err') && m.ref === 2));
    return c.received.find((m) => (m.t === 'ack' || m.t === 'err') && m.ref === 2);
  };
  const answers = [await answer(wa), await answer(wb)];
  expect(answers.filter((m) => m.t === 'ack')).toHaveLength(1);
  expect(answers.filter((m) => m.t === 'err').map((m) => m.code)).toEqual(['VS_CONFLICT']);
  const winner = answers[0].t === 'ack' ? 'a' : 'b';
  await waitFor(
    () => a.hub.store.get('lock/x')?.value === winner && b.hub.store.get('lock/x')?.value === winner,
    'both hubs to hold the winner',
  );
  // The loser's hub mirrored the cas into its space before the bucket refused it: it is put back.
  await waitFor(
    () => a.space.resolve('lock/x')?.getValue() === winner && b.space.resolve('lock/x')?.getValue() === winner,
    'both spaces to hold the winner',
  );
});

test('an unmap leaves a tombstone that an older write through another hub cannot undo', async () => {
  const [a, b] = await hubs(2);
  const onB = await follower(b, 'gone.>');
  const [wa, wb] = [await rawClient(a.url, open), await rawClient(b.url, open)];
  await wa.hello();
  await wb.hello();
  wa.send([{ t: 'pub', fqn: 'gone.x/y', value: 1, stamp: '0000000000040000', ref: 1 }]);
  await wa.next('ack');
  wa.send([{ t: 'del', fqn: 'gone.x/y', stamp: '0000000000040010', ref: 2 }]);
  await wa.until(() => wa.received.some((m) => m.t === 'ack' && m.ref === 2));
  await onB.until(() => onB.received.some((m) => m.t === 'gone' && m.fqn === 'gone.x/y'));
  await waitFor(() => b.hub.store.get('gone.x/y')?.deleted === true, 'hub B to hold the tombstone');
  wb.send([{ t: 'pub', fqn: 'gone.x/y', value: 'late', stamp: '0000000000040005', ref: 3 }]);
  const ack = await wb.next('ack');
  expect(ack.stamp).toBe('0000000000040010'); // acked with the tombstone it lost to
  for (const hub of [a, b]) {
    expect(hub.hub.store.get('gone.x/y')).toMatchObject({ deleted: true, stamp: '0000000000040010' });
    expect(hub.space.resolve('gone.x/y')).toBeUndefined();
  }
});

test('presence is cluster-wide, and an identity is carried once across hubs (takeover replaces it)', async () => {
  const [a, b] = await hubs(2);
  const watcher = await follower(b, '$sys.instances/*');
  const first = await rawClient(a.url, open);
  const welcome = await first.hello({ attributes: { identity: 'printer' } });
  await watcher.until(() => updates(watcher, `$sys.instances/${welcome.id}`).length > 0);
  const rival = await rawClient(b.url, open);
  rival.send([{ t: 'hello', versions: [1], attributes: { identity: 'printer' } }]);
  expect((await rival.closing()).code).toBe(4003);
  const taker = await rawClient(b.url, open);
  await taker.hello({ attributes: { identity: 'printer' }, takeover: true });
  expect((await first.closing()).code).toBe(4009);
  await waitFor(() => a.hub.store.get(`$sys.instances/${welcome.id}`)?.deleted === true, 'the old instance to be gone');
});

test('a resume on another hub keeps the instance id (the token verifies on every hub) and closes the stale connection', async () => {
  const [a, b] = await hubs(2);
  const first = await rawClient(a.url, open);
  const welcome = await first.hello();
  await waitFor(() => b.hub.store.get(`$sys.instances/${welcome.id}`) !== undefined, 'hub B to see the instance');
  const again = await rawClient(b.url, open);
  const resumed = await again.hello({ resume: { id: welcome.id, token: welcome.token } });
  expect(resumed.id).toBe(welcome.id);
  expect((await first.closing()).code).toBe(4009);
  await waitFor(() => b.hub.store.get(`$sys.instances/${welcome.id}`)?.from === b.hub.id, 'the presence to be hub B’s');
  expect(a.hub.store.get(`$sys.instances/${welcome.id}`)?.deleted).toBe(false);
});

test('owned vars stay while their owner is live on any hub, and go a grace time after it left the last', async () => {
  const [a, b] = await hubs(2, {}, { ownership: { graceMs: 300 } });
  const owner = await rawClient(a.url, open);
  const welcome = await owner.hello();
  owner.send([{ t: 'pub', fqn: 'jobs/42', value: 'running', stamp: '0000000000070000', ref: 1, owned: true }]);
  await owner.next('ack');
  owner.socket.terminate();
  const again = await rawClient(b.url, open);
  await again.hello({ resume: { id: welcome.id, token: welcome.token } });
  await waitFor(() => a.hub.store.get(`$sys.instances/${welcome.id}`)?.from === b.hub.id, 'hub A to see the instance on hub B');
  await new Promise((resolve) => setTimeout(resolve, 600)); // past the grace time: still live, on B
  expect(a.hub.store.get('jobs/42')?.deleted).toBe(false);
  again.socket.terminate();
  await waitFor(() => b.hub.store.get('jobs/42')?.deleted === true, 'the owned var to go once its owner left every hub');
});

test('a hub that closes deletes its liveness record, and the others remove its instances (spec/nats/crash.spec.ts: one that dies)', async () => {
  const [a, b] = await hubs(2, { hubIntervalMs: 200, hubTimeoutMs: 60_000 });
  const client = await rawClient(a.url, open);
  const welcome = await client.hello();
  await waitFor(() => b.hub.store.get(`$sys.instances/${welcome.id}`)?.deleted === false, 'hub B to see the instance');
  await a.close();
  await waitFor(() => b.hub.store.get(`$sys.instances/${welcome.id}`)?.deleted === true, 'the closed hub’s instance to be removed');
  expect(b.hub.store.get(`$sys.hubs/${a.hub.id}`)?.deleted).toBe(true);
});

test('natsStore with nothing listening rejects with VS_STORE_UNAVAILABLE within its timeout', async () => {
  const port = await freePort();
  await expect(natsStore({ servers: `nats://127.0.0.1:${port}`, timeoutMs: 1_000 })).rejects.toBeInstanceOf(StoreUnavailableError);
});

test('a hub that loses NATS refuses writes with VS_STORE_UNAVAILABLE, says so on /health and /metrics, and recovers', async () => {
  const [a] = await hubs(1);
  const writer = await rawClient(a.url, open);
  await writer.hello();
  await nats.stop();
  try {
    await waitFor(() => a.stats().storeUp === 0, 'the hub to notice');
    const health = await fetch(`${a.httpUrl}/health`);
    expect(health.status).toBe(503);
    expect(await (await fetch(`${a.httpUrl}/metrics`)).text()).toMatch(/^varspace_hub_store_up 0$/m);
    writer.send([{ t: 'pub', fqn: 'down/x', value: 1, stamp: '0000000000050000', ref: 1 }]);
    const refused = await writer.next('err');
    expect(refused).toMatchObject({ ref: 1, code: 'VS_STORE_UNAVAILABLE' });
    await waitFor(() => a.space.resolve('down/x') === undefined, 'the refused write to leave the hub’s space');
  } finally {
    await nats.start();
  }
  await waitFor(() => a.stats().storeUp === 1, 'the hub to reconnect', 15_000);
  expect((await fetch(`${a.httpUrl}/health`)).status).toBe(200);
  const again = await rawClient(a.url, open);
  await again.hello();
  again.send([{ t: 'pub', fqn: 'down/x', value: 2, stamp: '0000000000050001', ref: 1 }]);
  expect(await again.next('ack')).toMatchObject({ ref: 1 });
  await waitFor(() => a.hub.store.get('down/x')?.value === 2, 'the write to come back through the watch', 15_000);
}, 60_000);
