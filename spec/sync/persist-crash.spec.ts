// A client with a filePersister in a real child process, killed by SIGKILL between writes while
// the hub is down: every write it persisted arrives once the hub is back, merged by stamp as if it
// had never restarted (a later write by another instance wins), a restart offline sees the last
// state at once, the instance id resumes, and a write made in the tick of the crash is the one lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Space, connect, startHub, type HubHandle, type Link } from '../../src/index.js';
import { freePort, sleep, waitFor } from './net-helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/persist-client.ts', import.meta.url));
const SECRET = 'the-secret-of-the-persist-crash-spec-hubs';

interface ClientState {
  readonly status: string;
  readonly instanceId: string;
  readonly values: Record<string, unknown>;
}

/** A running client process, and its next output line. */
class Client {
  private readonly lines: Interface;
  private readonly queue: string[] = [];
  private waiting: ((line: string) => void) | undefined;
  stderr = '';

  private constructor(readonly child: ChildProcess) {
    child.stderr!.on('data', (chunk) => (this.stderr += chunk));
    this.lines = createInterface({ input: child.stdout! });
    this.lines.on('line', (line) => {
      if (this.waiting) {
        const waiting = this.waiting;
        this.waiting = undefined;
        waiting(line);
      } else this.queue.push(line);
    });
  }

  static async start(url: string, dir: string): Promise<{ client: Client; state: ClientState }> {
    const client = new Client(spawn(process.execPath, ['--import', 'tsx', fixture, url, dir], { stdio: ['pipe', 'pipe', 'pipe'] }));
    clients.push(client);
    return { client, state: JSON.parse(await client.next()) as ClientState };
  }

  next(): Promise<string> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the client: ${this.stderr}`)), 20_000);
      const exited = () => reject(new Error(`the client exited: ${this.stderr}`));
      this.child.once('exit', exited);
      this.waiting = (line) => {
        clearTimeout(timer);
        this.child.off('exit', exited);
        resolve(line);
      };
    });
  }

  /** Writes, and waits until the client says the write is persisted. */
  async write(fqn: string, value: unknown): Promise<void> {
    this.child.stdin!.write(`write ${fqn} ${JSON.stringify(value)}\n`);
    expect(JSON.parse(await this.next())).toEqual({ ok: fqn });
  }

  async state(): Promise<ClientState> {
    this.child.stdin!.write('state\n');
    return JSON.parse(await this.next()) as ClientState;
  }

  kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    return exited;
  }

  exited(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
  }
}

const clients: Client[] = [];
const opened: { close(): unknown }[] = [];
let dir: string;

beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'varspace-persist-crash-'));
});
afterAll(async () => {
  await Promise.all(clients.splice(0).map((client) => client.kill()));
  for (const item of opened.splice(0).reverse()) await item.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function hubOn(port: number): Promise<HubHandle> {
  const hub = await startHub({ port, host: '127.0.0.1', secret: SECRET });
  opened.push(hub);
  return hub;
}

test('writes survive SIGKILL between them while the hub is down, and arrive merged by stamp once it is back', async () => {
  const port = await freePort();
  const url = `ws://127.0.0.1:${port}`;
  const first = await hubOn(port);

  // Online: one write, then the hub goes away.
  const one = await Client.start(url, dir);
  expect(one.state.status).toBe('open');
  const instanceId = one.state.instanceId;
  await one.client.write('todo/a', 'a1');
  const watcherSpace = new Space();
  const watcher: Link = await connect(url, { space: watcherSpace, heartbeat: false, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
  opened.push(watcher);
  await watcher.follow('todo.>').synced;
  await waitFor(() => watcherSpace.resolve('todo/a')?.getValue() === 'a1', 'a1 at the watcher');
  await first.close();
  opened.splice(opened.indexOf(first), 1);

  // Offline: a write, persisted, then killed.
  let offline = await one.client.state();
  for (let i = 0; i < 200 && offline.status !== 'reconnecting'; i++) {
    await sleep(25);
    offline = await one.client.state();
  }
  expect(offline.status).toBe('reconnecting');
  await one.client.write('todo/b', 'b1');
  await one.client.kill();

  // Restarted offline: the last state at once; a write; killed again.
  const two = await Client.start(url, dir);
  expect(two.state.status).toBe('reconnecting');
  expect(two.state.values).toEqual({ 'todo/a': 'a1', 'todo/b': 'b1' });
  expect(two.state.instanceId).toBe(instanceId);
  await two.client.write('todo/c', 'c1');
  await two.client.write('todo/a', 'a2');
  await two.client.kill();

  // Again: a write persisted, then one made in the tick of the crash (the documented loss).
  const three = await Client.start(url, dir);
  expect(three.state.values).toEqual({ 'todo/a': 'a2', 'todo/b': 'b1', 'todo/c': 'c1' });
  await three.client.write('todo/b', 'b2');
  three.client.child.stdin!.write('write-and-die todo/d "lost"\n');
  await three.client.exited();

  // The hub is back (same secret, empty store); another instance writes todo/c later than the offline writes.
  await hubOn(port);
  await waitFor(() => watcher.status$.value === 'open', 'the watcher back');
  await watcher.set('todo/c', 'c-other');

  const four = await Client.start(url, dir);
  expect(four.state.values).toMatchObject({ 'todo/a': 'a2', 'todo/b': 'b2' });
  await waitFor(
    () =>
      watcherSpace.resolve('todo/a')?.getValue() === 'a2' &&
      watcherSpace.resolve('todo/b')?.getValue() === 'b2' &&
      watcherSpace.resolve('todo/c')?.getValue() === 'c-other',
    'every persisted write at the watcher, the later write of another instance kept',
  );
  let state = await four.client.state();
  for (let i = 0; i < 200 && state.values['todo/c'] !== 'c-other'; i++) {
    await sleep(25);
    state = await four.client.state();
  }
  expect(state).toMatchObject({ status: 'open', instanceId, values: { 'todo/a': 'a2', 'todo/b': 'b2', 'todo/c': 'c-other' } });
  expect(state.values['todo/d']).toBeUndefined();
  expect(watcherSpace.resolve('todo/d')).toBeUndefined();
  await four.client.kill();
}, 60_000);
