import net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { AbortedError, ClosedError } from '../../src/core/errors.js';
import type { Transport } from '../../src/transport/transport.js';
import { connectWs, wsServerTransport } from '../../src/transport/ws-node.js';
import { record, startServer, tick, type TestServer } from './helpers.js';

let server: TestServer;
const opened: Transport[] = [];

/** connectWs, remembered for cleanup. */
async function client(options?: Parameters<typeof connectWs>[1]): Promise<Transport> {
  const t = await connectWs(server.url, options);
  opened.push(t);
  return t;
}

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  for (const t of opened.splice(0)) t.close();
  await server.close();
});

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('connectWs + wsServerTransport', () => {
  test('frames cross both ways', async () => {
    const c = await client();
    const { transport: s } = await server.accept();
    const rc = record(c);
    const rs = record(s);
    c.send('{"hello":1}');
    s.send('{"welcome":2}');
    await rs.frameCount(1);
    await rc.frameCount(1);
    expect(rs.frames).toEqual(['{"hello":1}']);
    expect(rc.frames).toEqual(['{"welcome":2}']);
    expect(c.isOpen && s.isOpen).toBe(true);
  });

  test('frames that arrive before the server listens are buffered, in order', async () => {
    const c = await client();
    const { transport: s } = await server.accept();
    record(c);
    for (let i = 0; i < 50; i++) c.send(`f${i}`);
    await tick(50);
    const rs = record(s);
    await rs.frameCount(50);
    expect(rs.frames).toEqual(Array.from({ length: 50 }, (_, i) => `f${i}`));
  });

  test('client close: both sides see the code and reason, once', async () => {
    const c = await client();
    const { transport: s } = await server.accept();
    const rc = record(c);
    const rs = record(s);
    c.close(4000, 'client bye');
    expect(c.isOpen).toBe(false);
    expect(await rs.closed()).toEqual([4000, 'client bye']);
    expect(await rc.closed()).toEqual([4000, 'client bye']);
    expect(s.isOpen).toBe(false);
    await tick(20);
    expect(rc.closes).toHaveLength(1);
    expect(rs.closes).toHaveLength(1);
  });

  test('server close with a protocol code (1008, 1009) reaches the client', async () => {
    for (const code of [1008, 1009]) {
      const c = await client();
      const { transport: s } = await server.accept();
      const rc = record(c);
      const rs = record(s);
      s.close(code, `code ${code}`);
      expect(await rc.closed()).toEqual([code, `code ${code}`]);
      expect(await rs.closed()).toEqual([code, `code ${code}`]);
    }
  });

  test('a paused server transport that closes still completes the closing handshake (the client sees the close)', async () => {
    const c = await client();
    const { transport: s } = await server.accept();
    const rc = record(c);
    s.pause?.();
    s.close(4029, 'VS_LIMIT too many messages for too long');
    // Without reading the client's answer to its close frame, the server would end the TCP
    // connection only at ws's 30 s close timeout, past this test's.
    expect(await rc.closed()).toEqual([4029, 'VS_LIMIT too many messages for too long']);
  });

  test('a code the socket refuses falls back to 1000; long reasons are cut to 123 bytes', async () => {
    const c = await client();
    const { transport: s } = await server.accept();
    const rc = record(c);
    const rs = record(s);
    const long = 'é'.repeat(100); // 200 bytes
    expect(() => c.close(1006, long)).not.toThrow();
    expect(await rc.closed()).toEqual([1006, long]); // the local handler gets what was asked
    const [code, reason] = await rs.closed();
    expect(code).toBe(1000);
    expect(reason).toBe('é'.repeat(61));
  });

  test('send after close is dropped without throwing', async () => {
    const c = await client();
    const { transport: s } = await server.accept();
    const rc = record(c);
    const rs = record(s);
    c.close();
    expect(() => c.send('late')).not.toThrow();
    await rs.closed();
    expect(() => s.send('late too')).not.toThrow();
    await rc.closed();
    await tick(20);
    expect(rs.frames).toEqual([]);
    expect(rc.frames).toEqual([]);
  });

  test('a lost connection reports 1006', async () => {
    const c = await client();
    const { socket } = await server.accept();
    const rc = record(c);
    socket.terminate();
    const [code] = await rc.closed();
    expect(code).toBe(1006);
    expect(c.isOpen).toBe(false);
  });

  test('a binary frame closes the connection with 1003', async () => {
    const raw = new WebSocket(server.url);
    await new Promise((r, j) => {
      raw.once('open', r);
      raw.once('error', j);
    });
    const { transport: s } = await server.accept();
    const rs = record(s);
    const rawClosed = new Promise<number>((r) => raw.once('close', (code) => r(code)));
    raw.send(Buffer.from([1, 2, 3]));
    expect(await rawClosed).toBe(1003);
    expect((await rs.closed())[0]).toBe(1003);
    expect(rs.frames).toEqual([]);
  });

  test("a frame over the server's maxPayload: 1009 on both sides, nothing delivered", async () => {
    const limited = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1024 });
    await new Promise((r) => limited.once('listening', r));
    try {
      const accepted = new Promise<Transport>((r) => limited.once('connection', (sock) => r(wsServerTransport(sock))));
      const c = await connectWs(`ws://127.0.0.1:${(limited.address() as net.AddressInfo).port}`);
      const rc = record(c);
      const rs = record(await accepted);
      c.send('ok');
      await rs.frameCount(1);
      c.send('x'.repeat(2048));
      expect(await rc.closed()).toEqual([1009, '']);
      expect(await rs.closed()).toEqual([1009, 'Max payload size exceeded']);
      expect(rs.frames).toEqual(['ok']);
    } finally {
      for (const sock of limited.clients) sock.terminate();
      await new Promise((r) => limited.close(r));
    }
  });

  test('a 1 MB frame passes both ways', async () => {
    const c = await client();
    const { transport: s } = await server.accept();
    const rc = record(c);
    const rs = record(s);
    const big = JSON.stringify({ blob: 'x'.repeat(1024 * 1024) });
    c.send(big);
    await rs.frameCount(1);
    expect(rs.frames[0]).toBe(big);
    s.send(rs.frames[0]!);
    await rc.frameCount(1);
    expect(rc.frames[0]!.length).toBe(big.length);
    expect(rc.frames[0]).toBe(big);
  });

  test('10,000 frames arrive in order, both ways', async () => {
    const c = await client();
    const { transport: s } = await server.accept();
    const rc = record(c);
    const rs = record(s);
    const N = 10_000;
    for (let i = 0; i < N; i++) c.send(`{"n":${i}}`);
    for (let i = 0; i < N; i++) s.send(`{"m":${i}}`);
    await rs.frameCount(N, 15000);
    await rc.frameCount(N, 15000);
    expect(rs.frames).toEqual(Array.from({ length: N }, (_, i) => `{"n":${i}}`));
    expect(rc.frames).toEqual(Array.from({ length: N }, (_, i) => `{"m":${i}}`));
  });

  test('drain fires once a backed-up buffer is written (send callbacks)', async () => {
    const c = await client();
    const { transport: s } = await server.accept();
    const rc = record(c);
    const rs = record(s);
    const chunk = 'y'.repeat(1024 * 1024);
    for (let i = 0; i < 16; i++) c.send(chunk);
    expect(c.bufferedAmount).toBeGreaterThan(0);
    await until(() => rc.drains > 0);
    expect(c.bufferedAmount).toBe(0);
    await rs.frameCount(16, 15000);
    expect(rc.drains).toBe(1);
  });

  test('handshake headers reach the server', async () => {
    const c = await client({ headers: { 'x-varspace-test': 'yes' }, wsOptions: { headers: { 'x-other': 'too' } } });
    const { req } = await server.accept();
    expect(req.headers['x-varspace-test']).toBe('yes');
    expect(req.headers['x-other']).toBe('too');
    expect(c.isOpen).toBe(true);
  });

  test('connection refused rejects with ClosedError', async () => {
    const port = await freePort();
    const err = await connectWs(`ws://127.0.0.1:${port}`, { openTimeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClosedError);
    expect((err as ClosedError).code).toBe('VS_CLOSED');
    expect((err as ClosedError).message).toMatch(/ECONNREFUSED/);
    expect((err as ClosedError).details).toMatchObject({ url: `ws://127.0.0.1:${port}` });
  });

  test('an HTTP refusal of the upgrade rejects with ClosedError', async () => {
    server.wss.options.verifyClient = (_info: unknown, cb: (ok: boolean, code?: number) => void) => cb(false, 401);
    const err = await connectWs(server.url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClosedError);
    expect((err as Error).message).toMatch(/401/);
  });

  test('a server that never answers the handshake: open timeout rejects with ClosedError', async () => {
    const sockets = new Set<net.Socket>();
    const mute = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    const { port } = mute.address() as net.AddressInfo;
    try {
      const started = Date.now();
      const err = await connectWs(`ws://127.0.0.1:${port}`, { openTimeoutMs: 200 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClosedError);
      expect((err as ClosedError).details).toMatchObject({ timeoutMs: 200 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => mute.close(() => r()));
    }
  });

  test('an abort signal rejects with AbortedError', async () => {
    const ac = new AbortController();
    const p = connectWs(server.url, { signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(AbortedError);
    const pre = new AbortController();
    pre.abort();
    await expect(connectWs(server.url, { signal: pre.signal })).rejects.toBeInstanceOf(AbortedError);
  });

  test('an invalid URL rejects with ClosedError', async () => {
    await expect(connectWs('not a url')).rejects.toBeInstanceOf(ClosedError);
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await tick(5);
  }
}
