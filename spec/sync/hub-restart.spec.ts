// The hub as a child process, killed with SIGKILL while clients write, and restarted on the same
// port with an empty memory store: the clients reconnect by themselves, the hub's state is rebuilt
// from their stamps, and no client value is lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Space, connect, type Link, type LinkStatus } from '../../src/index.js';
import { freePort, sleep, waitFor } from './net-helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/memory-hub.ts', import.meta.url));
const CLIENTS = 3;
const OWN_VARS = 8;
const KILLS = 3;

interface HubProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly epoch: string;
}

/** Starts the hub process on `port`; resolves with its URL, or rejects with the listen error code. */
function startHubProcess(port: number): Promise<HubProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise<HubProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the hub process did not start in time: ${stderr}`));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the hub process exited (${code}) before listening: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const said = JSON.parse(line);
      if (said.error) reject(Object.assign(new Error(`listen failed: ${said.error}`), { code: said.error }));
      else resolve({ child, url: said.url, epoch: said.epoch });
    });
  });
}

/** Starts the hub on `port`, retrying while the port is still taken (bounded). */
async function startOnPort(port: number): Promise<HubProcess> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startHubProcess(port);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt >= 20) throw error;
      await sleep(50);
    }
  }
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

let hub: HubProcess | undefined;
const links: Link[] = [];

afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
  if (hub) await kill(hub.child);
  hub = undefined;
});

interface Client {
  readonly k: number;
  readonly space: Space;
  readonly link: Link;
  readonly statuses: LinkStatus[];
  /** The last value this client wrote to the contended var. */
  lastShared: unknown;
  writes: number;
  offlineWrites: number;
}

test('SIGKILL of the hub mid-stream, restart on the same port with an empty store: every client value survives', async () => {
  let port = await freePort();
  for (let attempt = 0; !hub; attempt++) {
    try {
      hub = await startOnPort(port);
    } catch (error) {
      if (attempt >= 3) throw error;
      port = await freePort();
    }
  }
  const firstEpoch = hub.epoch;

  const clients: Client[] = [];
  for (let k = 0; k < CLIENTS; k++) {
    const space = new Space();
    for (let j = 0; j < OWN_VARS; j++) space.intern(`room.c${k}/v${j}`, { k, j, seq: 0 });
    const link = await connect(hub.url, {
      space,
      reconnect: { initialDelayMs: 10, maxDelayMs: 100 },
      attributes: { appName: `client-${k}` },
    });
    links.push(link);
    const statuses: LinkStatus[] = [];
    link.status$.subscribe((s) => statuses.push(s));
    clients.push({ k, space, link, statuses, lastShared: undefined, writes: 0, offlineWrites: 0 });
  }
  await Promise.all(clients.map((c) => c.link.sync('room.>').synced));
  const everything = CLIENTS * OWN_VARS;
  await waitFor(() => clients.every((c) => c.space.match('room.>').length === everything), 'every var at every client');
  const ids = clients.map((c) => c.link.instanceId);

  // Every client writes its own vars and one contended var, a round every couple of ms.
  let writing = true;
  let seq = 0;
  const loops = clients.map(async (c) => {
    while (writing) {
      const offline = c.link.status$.value !== 'open';
      for (let j = 0; j < OWN_VARS; j++) c.space.resolve(`room.c${c.k}/v${j}`)!.reset({ k: c.k, j, seq: ++seq });
      c.lastShared = { by: c.k, seq: ++seq };
      c.space.intern('room.shared/x').reset(c.lastShared);
      c.writes++;
      if (offline) c.offlineWrites++;
      await sleep(2);
    }
  });

  const epochs = new Set([firstEpoch]);
  for (let round = 0; round < KILLS; round++) {
    await sleep(100);
    await kill(hub.child); // mid-stream
    await waitFor(() => clients.every((c) => c.link.status$.value === 'reconnecting'), 'every client to notice');
    await sleep(50); // writes go on while there is no hub
    hub = await startOnPort(port);
    epochs.add(hub.epoch);
    await waitFor(() => clients.every((c) => c.link.status$.value === 'open'), 'every client back', 15_000);
  }
  expect(epochs.size).toBe(KILLS + 1); // each restart began with an empty store
  await sleep(100); // writes on the last hub too
  writing = false;
  await Promise.all(loops);

  // What each client wrote last is what everyone must end with.
  const expected = new Map<string, unknown>();
  for (const c of clients)
    for (let j = 0; j < OWN_VARS; j++) expected.set(`room.c${c.k}/v${j}`, c.space.resolve(`room.c${c.k}/v${j}`)!.deref());
  await Promise.all(clients.map((c) => c.link.ping()));
  await Promise.all(clients.map((c) => c.link.ping()));

  const observer = await connect(hub.url, { space: new Space(), reconnect: false });
  links.push(observer);
  await observer.follow('room.>').synced;
  const held = (space: Space) =>
    [...expected.keys()].filter((fqn) => JSON.stringify(space.resolve(fqn)?.deref()) !== JSON.stringify(expected.get(fqn)));
  expect(held(observer.space)).toEqual([]); // the new hub holds every client's latest value
  for (const c of clients)
    await waitFor(() => held(c.space).length === 0, `client ${c.k} to hold everyone's latest values (wrong: ${held(c.space).join(', ')})`);

  // The contended var converged everywhere, on the last write of one of the clients.
  const winner = JSON.stringify(observer.space.resolve('room.shared/x')!.deref());
  for (const c of clients)
    await waitFor(() => JSON.stringify(c.space.resolve('room.shared/x')!.deref()) === winner, `client ${c.k} to agree on room.shared/x`);
  expect(clients.map((c) => JSON.stringify(c.lastShared))).toContain(winner);

  expect(clients.map((c) => c.link.instanceId)).toEqual(ids);
  for (const c of clients) expect(c.statuses).toEqual(['open', ...Array(KILLS).fill(['reconnecting', 'open']).flat()]);
  const writes = clients.reduce((n, c) => n + c.writes, 0);
  const offline = clients.reduce((n, c) => n + c.offlineWrites, 0);
  console.log(
    `hub SIGKILLed and restarted ${KILLS} times: ${writes} rounds of writes (${offline} while the hub was down), ${expected.size} vars + 1 contended, all recovered`,
  );
  expect(offline).toBeGreaterThan(0);
}, 30_000);
