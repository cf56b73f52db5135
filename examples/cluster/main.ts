// A cluster on one machine: a nats-server with JetStream, two hubs on the NATS store (one bucket,
// one shared secret), and two clients, each on its own hub. A write through hub A reaches the
// client on hub B with its writer and revision; then hub A stops, and its client fails over to
// hub B with the same instance id. Everything stops at the end. See docs/CLUSTER.md.
// Run: node --import tsx examples/cluster/main.ts   (needs /usr/sbin/nats-server, or NATS_SERVER)
import { randomBytes } from 'node:crypto';
import { filter, firstValueFrom, skipWhile } from 'rxjs';
import { Space, connect, startHub } from '../../src/index.js';
// In production NATS runs on its own; here a helper starts a throwaway one (its own port and directory).
import { startNatsServer } from '../../spec/support/nats-server.js';
// The NATS store, as an app imports it: `import { natsStore } from 'varspace/nats'`.
import { natsStore } from '../../src/nats/index.js';

const nats = await startNatsServer();
// Every hub of a cluster has the same secret: a link's resume token verifies on each of them.
const secret = randomBytes(32).toString('base64url');
const hubA = await startHub({ port: 0, host: '127.0.0.1', secret, store: await natsStore({ servers: nats.url, bucket: 'example' }) });
const hubB = await startHub({ port: 0, host: '127.0.0.1', secret, store: await natsStore({ servers: nats.url, bucket: 'example' }) });

// The writer lists both hubs: it opens hub A (the first it can reach) and fails over to hub B.
const writerSpace = new Space();
const writer = await connect([hubA.url, hubB.url], {
  space: writerSpace,
  attributes: { appName: 'writer' },
  reconnect: { initialDelayMs: 10 },
});
const reader = await connect(hubB.url, { space: new Space(), attributes: { appName: 'reader' } });
await reader.follow('orders.>').synced;

const sameWriter = (from: string) => (from === writer.instanceId ? 'the writer' : from);
const crossing = firstValueFrom(reader.remote$<string>('orders/latest').pipe(filter((t) => t.value === 'order 1')));
const ack = await writer.set('orders/latest', 'order 1');
const seen = await crossing;
console.log(`writer on hub A wrote orders/latest = "order 1" (revision ${ack.rev})`);
console.log(`reader on hub B got "${seen.value}" from ${sameWriter(seen.from)}, revision ${reader.revision('orders/latest')}`);

const id = writer.instanceId;
// open → reconnecting → open: watched from before the stop, so that a quick failover is not missed
const reopened = firstValueFrom(
  writer.status$.pipe(
    skipWhile((s) => s !== 'reconnecting'),
    filter((s) => s === 'open'),
  ),
);
await hubA.close();
await reopened;
console.log(`hub A stopped: the writer failed over to hub B, same instance id: ${writer.instanceId === id}`);

const again = firstValueFrom(reader.remote$<string>('orders/latest').pipe(filter((t) => t.value === 'order 2')));
await writer.set('orders/latest', 'order 2');
console.log(`reader got "${(await again).value}" from ${sameWriter((await again).from)}`);

await writer.close();
await reader.close();
await hubB.close();
await nats.stop();
console.log('stopped: 2 clients, 2 hubs, nats-server');
