/**
 * The browser path: `connectWebSocket` / `webSocketTransport` know nothing of Node; `ws`'s client
 * `WebSocket` stands in for the browser's constructor (as issue 4 asks).
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { WebSocket as WsFromWsPackage } from 'ws';
import { ClosedError } from '../../src/core/errors.js';
import type { Transport } from '../../src/transport/transport.js';
import {
  connectWebSocket,
  webSocketTransport,
  type WebSocketConstructorLike,
  type WebSocketLike,
} from '../../src/transport/web-socket-transport.js';
import { record, startServer, tick, type TestServer } from './helpers.js';

let server: TestServer;
const opened: Transport[] = [];

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  for (const t of opened.splice(0)) t.close();
  await server.close();
});

async function client(): Promise<Transport> {
  const t = await connectWebSocket(server.url, { WebSocket: WsFromWsPackage });
  opened.push(t);
  return t;
}

describe('connectWebSocket (browser path, ws standing in)', () => {
  test('the browser transports bundle for the browser with nothing external', async () => {
    for (const file of ['web-socket-transport.ts', 'memory-pair.ts', 'message-port-transport.ts']) {
      const result = await build({
        entryPoints: [fileURLToPath(new URL(`../../src/transport/${file}`, import.meta.url))],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const inputs = Object.keys(result.metafile!.inputs);
      expect(inputs.every((i) => i.startsWith('src/'))).toBe(true);
      const outputs = Object.values(result.metafile!.outputs);
      expect(outputs.flatMap((o) => o.imports)).toEqual([]); // no external import left
    }
  });

  test('both constructors fit the structural types', () => {
    const fromWs: WebSocketConstructorLike = WsFromWsPackage;
    // the DOM declaration (lib "DOM") fits too; checked by the type checker only
    const fromDom = (c: typeof globalThis.WebSocket): WebSocketConstructorLike => c;
    const sock = (s: WsFromWsPackage): WebSocketLike => s;
    expect(typeof fromWs).toBe('function');
    expect(typeof fromDom).toBe('function');
    expect(typeof sock).toBe('function');
  });

  test('frames cross both ways, in order', async () => {
    const c = await client();
    const { transport: s } = await server.accept();
    const rc = record(c);
    const rs = record(s);
    for (let i = 0; i < 1000; i++) c.send(`c${i}`);
    for (let i = 0; i < 1000; i++) s.send(`s${i}`);
    await rs.frameCount(1000);
    await rc.frameCount(1000);
    expect(rs.frames).toEqual(Array.from({ length: 1000 }, (_, i) => `c${i}`));
    expect(rc.frames).toEqual(Array.from({ length: 1000 }, (_, i) => `s${i}`));
  });

  test('close codes both ways', async () => {
    const c = await client();
    const { transport: s } = await server.accept();
    const rc = record(c);
    const rs = record(s);
    s.close(4010, 'server says bye');
    expect(await rc.closed()).toEqual([4010, 'server says bye']);
    expect(await rs.closed()).toEqual([4010, 'server says bye']);

    const c2 = await client();
    const { transport: s2 } = await server.accept();
    const rc2 = record(c2);
    const rs2 = record(s2);
    c2.close(3001, 'client says bye');
    expect(await rs2.closed()).toEqual([3001, 'client says bye']);
    expect(await rc2.closed()).toEqual([3001, 'client says bye']);
  });

  test('drain fires by polling bufferedAmount (no send callbacks)', async () => {
    const c = await client();
    const { transport: s } = await server.accept();
    const rc = record(c);
    const rs = record(s);
    const chunk = 'z'.repeat(1024 * 1024);
    for (let i = 0; i < 16; i++) c.send(chunk);
    expect(c.bufferedAmount).toBeGreaterThan(0);
    const end = Date.now() + 5000;
    while (rc.drains === 0 && Date.now() < end) await tick(5);
    expect(rc.drains).toBe(1);
    expect(c.bufferedAmount).toBe(0);
    await rs.frameCount(16, 15000);
  });

  test('connection refused rejects with ClosedError', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as net.AddressInfo;
    await new Promise<void>((r) => srv.close(() => r()));
    const err = await connectWebSocket(`ws://127.0.0.1:${port}`, { WebSocket: WsFromWsPackage }).catch((e) => e);
    expect(err).toBeInstanceOf(ClosedError);
    expect((err as ClosedError).details).toMatchObject({ url: `ws://127.0.0.1:${port}`, code: 1006 });
  });

  test('without a constructor and without globalThis.WebSocket: a clear error', async () => {
    const g = globalThis as { WebSocket?: unknown };
    const saved = Object.getOwnPropertyDescriptor(g, 'WebSocket');
    delete g.WebSocket;
    try {
      await expect(connectWebSocket(server.url)).rejects.toThrow(/pass one.*WebSocket/);
    } finally {
      if (saved) Object.defineProperty(g, 'WebSocket', saved);
    }
  });

  test('globalThis.WebSocket is used by default', async () => {
    const g = globalThis as { WebSocket?: unknown };
    const saved = Object.getOwnPropertyDescriptor(g, 'WebSocket');
    g.WebSocket = WsFromWsPackage;
    try {
      const c = await connectWebSocket(server.url);
      opened.push(c);
      const { transport: s } = await server.accept();
      const rs = record(s);
      record(c);
      c.send('via global');
      await rs.frameCount(1);
      expect(rs.frames).toEqual(['via global']);
    } finally {
      if (saved) Object.defineProperty(g, 'WebSocket', saved);
      else delete g.WebSocket;
    }
  });
});

describe('webSocketTransport', () => {
  test('wraps a socket that is still connecting: frames wait for open', async () => {
    const t = webSocketTransport(new WsFromWsPackage(server.url));
    opened.push(t);
    const rc = record(t);
    t.send('early 1');
    t.send('early 2');
    expect(t.bufferedAmount).toBeGreaterThan(0);
    const { transport: s } = await server.accept();
    const rs = record(s);
    await rs.frameCount(2);
    expect(rs.frames).toEqual(['early 1', 'early 2']);
    s.send('back');
    await rc.frameCount(1);
    expect(rc.frames).toEqual(['back']);
  });

  test('a connecting socket that fails reports 1006 with the error as reason', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as net.AddressInfo;
    await new Promise<void>((r) => srv.close(() => r()));
    const t = webSocketTransport(new WsFromWsPackage(`ws://127.0.0.1:${port}`));
    t.send('lost');
    const rc = record(t);
    const [code, reason] = await rc.closed();
    expect(code).toBe(1006);
    expect(reason).toMatch(/ECONNREFUSED/);
    expect(t.isOpen).toBe(false);
  });

  test('a socket that is already closed gives a closed transport', async () => {
    const sock = new WsFromWsPackage(server.url);
    await new Promise((r) => sock.once('open', r));
    const { transport: s } = await server.accept();
    record(s);
    sock.close();
    await new Promise((r) => sock.once('close', r));
    const t = webSocketTransport(sock);
    expect(t.isOpen).toBe(false);
    expect(() => t.send('x')).not.toThrow();
    const rc = record(t);
    expect(rc.closes).toEqual([[1006, 'the socket was already closed']]);
  });
});
