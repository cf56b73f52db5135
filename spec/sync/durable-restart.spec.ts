// A hub restarted on durable data keeps its epoch, so followers resume from the last revision
// they saw. But a hub routes a write before its store has made it durable: after a crash, the
// revisions just above what the store kept may have reached followers for writes that were lost,
// and the new hub issues them again for other writes. Followers must not skip those.
import { firstValueFrom, filter } from 'rxjs';
import { Space, connect, connectWs, startHub, type HubHandle, type Link, type Store, type StoreRecord } from '../../src/index.js';

/** A store in memory with a given epoch and records (what a durable store recovers). */
function storeOf(epoch: string, records: readonly StoreRecord[]): Store {
  const byFqn = new Map(records.map((r) => [r.fqn, r]));
  let rev = records.reduce((max, r) => Math.max(max, r.rev), 0);
  return {
    epoch,
    get rev() {
      return rev;
    },
    get: (fqn) => byFqn.get(fqn),
    put(record) {
      byFqn.set(record.fqn, record);
      rev = record.rev;
    },
    records: () => byFqn.values(),
    close: async () => undefined,
  };
}

const hubs: HubHandle[] = [];
const links: Link[] = [];
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
  await Promise.all(hubs.splice(0).map((h) => h.close()));
});

const isOpen = (link: Link) => firstValueFrom(link.status$.pipe(filter((s) => s === 'open')));

test('after a crash on durable data, a follower gets the writes that reuse revisions it saw for lost writes', async () => {
  const storeA = storeOf('epoch-1', []);
  const hubA = await startHub({ port: 0, host: '127.0.0.1', store: storeA });
  hubs.push(hubA);
  const url = hubA.url;

  const writerSpace = new Space();
  const writer = await connect(url, { space: writerSpace, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
  links.push(writer);
  writer.share('c.>');

  // The follower's reconnects wait for the test, so that it comes back after the new writes.
  let gate: Promise<void> = Promise.resolve();
  let openGate = () => {};
  const followerSpace = new Space();
  const follower = await connect(
    async () => {
      await gate;
      return connectWs(url);
    },
    { space: followerSpace, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } },
  );
  links.push(follower);
  await follower.follow('c.>').synced;

  const durable = [...storeA.records()];
  for (let i = 0; i < 20; i++) writerSpace.intern(`c/a${i}`, i);
  await writer.share('c.>').synced; // the hub confirmed them: the writer will not send them again
  await followerSpace.await('c/a19', { timeoutMs: 3000 });
  const seen = follower.revision('c/a19');
  // The follower saw the revision of the last write, 20 above what will be recovered.
  expect(seen).toBe(storeA.rev);
  expect(seen - Math.max(...durable.map((r) => r.rev))).toBe(20);

  // The crash: the new hub process recovers only what was durable before those 20 writes.
  gate = new Promise((resolve) => (openGate = resolve));
  hubs.splice(0, 1);
  await hubA.close();
  const hubB = await startHub({ port: hubA.port, host: '127.0.0.1', store: storeOf('epoch-1', durable) });
  hubs.push(hubB);
  await isOpen(writer);
  const other = await connect(hubB.url, { space: new Space() });
  links.push(other);
  await other.set('c/x', 'new');
  // The scenario holds: the new write took a revision the follower had seen for a lost write.
  expect(hubB.hub.store.get('c/x')!.rev).toBeLessThanOrEqual(seen);

  openGate();
  await followerSpace.await('c/x', { timeoutMs: 3000 });
  expect(followerSpace.resolve('c/x')!.deref()).toBe('new');
});
