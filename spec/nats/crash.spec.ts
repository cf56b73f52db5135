// SIGKILL a hub process on a NATS store while a client writes through it: every write it acked is in
// the bucket (a hub acks only after JetStream did), and the dead hub's instances are removed by
// the other hubs.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { natsStore } from '../../src/nats/index.js';
import { rawClient } from '../hub/raw-client.js';
import { loopbackHub } from '../support/loopback-hub.js';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { sleep, waitFor } from '../sync/net-helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/nats-hub.ts', import.meta.url));
const ROUNDS = 4;
const KEYS = 8;

let nats: NatsServer;
const open: { close(): unknown }[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
  for (const child of children) kill(child);
  await nats.close();
});

function startHubProcess(bucket: string): Promise<{ child: ChildProcess; url: string; id: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, nats.url, bucket], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub process did not start in time: ${stderr}`)), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub process exited (${code}) before listening: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, ...JSON.parse(line) });
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

test(`no acked write is lost when a hub process is SIGKILLed, ${ROUNDS} times, and its instances vanish from the other hub`, async () => {
  const bucket = `crash${randomUUID().slice(0, 8)}`;
  const survivor = await loopbackHub(open, {
    store: await natsStore({ servers: nats.url, bucket, hubIntervalMs: 200, hubTimeoutMs: 1_000 }),
    heartbeat: false,
  });
  /** The highest acked sequence number of each key. */
  const acked = new Map<string, number>();
  let seq = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const victim = await startHubProcess(bucket);
    const client = await rawClient(victim.url, open);
    const welcome = await client.hello();
    const sent = new Map<number, { fqn: string; seq: number }>();
    client.socket.on('message', (data) => {
      for (const message of JSON.parse(String(data))) {
        const write = message.t === 'ack' ? sent.get(message.ref) : undefined;
        if (write && message.stamp === (0x60000 + write.seq).toString(16).padStart(16, '0'))
          acked.set(write.fqn, Math.max(acked.get(write.fqn) ?? 0, write.seq));
      }
    });
    const writing = (async () => {
      while (client.closed() === undefined) {
        for (let i = 0; i < 20; i++) {
          seq++;
          const fqn = `crash/k${seq % KEYS}`;
          sent.set(seq, { fqn, seq });
          client.send([{ t: 'pub', fqn, value: seq, stamp: (0x60000 + seq).toString(16).padStart(16, '0'), ref: seq }]);
        }
        await sleep(5);
      }
    })();
    await waitFor(() => acked.size > 0, 'some acks');
    await sleep(50 + round * 37);
    await kill(victim.child);
    await writing;
    await waitFor(() => survivor.hub.store.get(`$sys.instances/${welcome.id}`)?.deleted === true, 'the dead hub’s instance to go', 10_000);
  }
  await waitFor(
    () => [...acked].every(([fqn, n]) => (survivor.hub.store.get(fqn)?.value as number) >= n),
    `every acked write on the surviving hub (${JSON.stringify([...acked])})`,
  );
  // Read back from a fresh store: the bucket itself holds them.
  const fresh = await natsStore({ servers: nats.url, bucket });
  open.push(fresh);
  for (const [fqn, n] of acked) expect(fresh.get(fqn)?.value as number).toBeGreaterThanOrEqual(n);
}, 90_000);
