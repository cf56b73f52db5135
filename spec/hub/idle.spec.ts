// Idle connections: heartbeats recognised without parsing, the JSON ping path, silent peers
// dropped, a burst of links against a small listen queue, the first-connect timeout.
import { createServer, type Socket } from 'node:net';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { WebSocket } from 'ws';
import { waitFor } from '../sync/net-helpers.js';
import { Space, connect, type HubHandle, type Link, type StartHubOptions } from '../../src/index.js';
import { loopbackHub } from '../support/loopback-hub.js';

const closers: { close(): unknown }[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});

function hubWith(options: StartHubOptions = {}): Promise<HubHandle> {
  return loopbackHub(closers, options);
}

/** A raw protocol client that has said hello: keeps every frame as received (text), and the close. */
async function helloClient(url: string) {
  const socket = new WebSocket(url);
  const frames: string[] = [];
  let closed: number | undefined;
  socket.on('message', (data) => frames.push(String(data)));
  socket.on('close', (code) => (closed = code));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  closers.push({ close: () => socket.terminate() });
  socket.send(JSON.stringify([{ t: 'hello', versions: [1] }]));
  await waitFor(() => frames.some((f) => f.includes('"welcome"')), 'the welcome', 5_000);
  const messages = () => frames.flatMap((f) => JSON.parse(f) as { t: string; n?: number }[]);
  return { socket, frames, messages, closed: () => closed };
}

describe('heartbeats', () => {
  test('a lone heartbeat ping (the exact text) is answered with the heartbeat pong', async () => {
    const hub = await hubWith({ heartbeat: false });
    const c = await helloClient(hub.url);
    const before = hub.stats().messagesIn;
    c.socket.send('[{"t":"ping","n":0}]');
    await waitFor(() => c.frames.includes('[{"t":"pong","n":0}]'), 'the pong', 5_000);
    expect(hub.stats().messagesIn).toBe(before + 1);
  });

  test('a ping in any other form still takes the JSON path: other n, spacing, batched', async () => {
    const hub = await hubWith({ heartbeat: false });
    const c = await helloClient(hub.url);
    c.socket.send('[ {"t": "ping", "n": 0} ]');
    c.socket.send('[{"t":"ping","n":7}]');
    c.socket.send('[{"t":"ping","n":0},{"t":"ping","n":8}]');
    c.socket.send('[{"t":"pong","n":0},{"t":"ping","n":9}]');
    await waitFor(() => c.messages().filter((m) => m.t === 'pong').length === 5, 'five pongs', 5_000);
    expect(
      c
        .messages()
        .filter((m) => m.t === 'pong')
        .map((m) => m.n),
    ).toEqual([0, 7, 0, 8, 9]);
    expect(c.closed()).toBeUndefined();
  });

  test('a heartbeat frame before hello is refused like any other first message (4002)', async () => {
    const hub = await hubWith();
    for (const frame of ['[{"t":"ping","n":0}]', '[{"t":"pong","n":0}]']) {
      const socket = new WebSocket(hub.url);
      closers.push({ close: () => socket.terminate() });
      const code = new Promise<number>((resolve) => socket.on('close', (c) => resolve(c)));
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      socket.send(frame);
      expect(await code).toBe(4002);
    }
  });

  test('the hub pings a quiet peer with the heartbeat text; a peer that answers stays, a silent one is dropped with 4000', async () => {
    const hub = await hubWith({ heartbeat: { intervalMs: 40, timeoutMs: 300 } });
    const answering = await helloClient(hub.url);
    answering.socket.on('message', (data) => {
      if (String(data) === '[{"t":"ping","n":0}]') answering.socket.send('[{"t":"pong","n":0}]');
    });
    const silent = await helloClient(hub.url);
    await waitFor(() => silent.closed() !== undefined, 'the silent peer dropped', 10_000);
    expect(silent.closed()).toBe(4000);
    expect(silent.frames).toContain('[{"t":"ping","n":0}]');
    // the answering peer outlived the silent one's timeout, with pings on the way
    expect(answering.frames.filter((f) => f === '[{"t":"ping","n":0}]').length).toBeGreaterThan(1);
    expect(answering.closed()).toBeUndefined();
    expect(hub.stats().connections).toBe(1);
  });

  test('a link stays connected to a hub that pings it (the link answers; no timeout either way)', async () => {
    const hub = await hubWith({ heartbeat: { intervalMs: 30, timeoutMs: 300 } });
    const link = await connect(hub.url, { space: new Space(), heartbeat: { intervalMs: 30, timeoutMs: 300 }, reconnect: false });
    closers.push(link);
    const statuses: string[] = [];
    link.status$.subscribe((s) => statuses.push(s));
    // several timeouts' worth of idle time, measured by the hub's own pings going out
    const sent = hub.stats().messagesOut;
    await waitFor(() => hub.stats().messagesOut >= sent + 10, 'ten pings', 20_000);
    expect(statuses).toEqual(['open']);
    expect(hub.stats().connections).toBe(1);
  });
});

describe('bursts of connections', () => {
  test('300 links opening at once against a hub with a listen queue of 100 all connect (the rest retry their SYN)', async () => {
    const hub = await hubWith({ backlog: 100, heartbeat: false });
    const links = await Promise.all(
      Array.from({ length: 300 }, () =>
        connect(hub.url, { space: new Space(), connectTimeoutMs: 60_000, welcomeTimeoutMs: 60_000, heartbeat: false, reconnect: false }),
      ),
    );
    closers.push({ close: () => Promise.all(links.map((link: Link) => link.close())) });
    expect(links.every((link) => link.status$.value === 'open')).toBe(true);
    expect(hub.stats().connections).toBe(300);
    // instances$ comes as one list per turn: it still ends up listing every one of them
    const listed = await firstValueFrom(
      hub.instances$.pipe(
        filter((list) => list.length === 300),
        timeout(10_000),
      ),
    );
    expect(new Set(listed.map((i) => i.instanceId)).size).toBe(300);
  }, 90_000);

  test('a hub that never answers the upgrade: connect gives up after connectTimeoutMs (VS_CLOSED)', async () => {
    const sockets: Socket[] = [];
    const mute = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    closers.push({
      close: () =>
        new Promise((resolve) => {
          sockets.forEach((s) => s.destroy());
          mute.close(resolve);
        }),
    });
    const url = `ws://127.0.0.1:${(mute.address() as { port: number }).port}`;
    await expect(connect(url, { space: new Space(), connectTimeoutMs: 200, reconnect: false })).rejects.toMatchObject({
      code: 'VS_CLOSED',
      message: expect.stringContaining('not open after 200 ms'),
    });
  });
});
