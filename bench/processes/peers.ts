// Client sides of the peers that the wire bench measures beside varspace (Socket.IO, Yjs with
// y-websocket, TinyBase with its WsSynchronizer), for bench/processes/peer-writer.ts and
// peer-reader.ts. Each is loaded on demand, so the raw and varspace processes never load them.
// The servers are bench/processes/{socketio-relay,yjs-server,tinybase-server}.ts.
//
// Each peer is driven as an app of that library would be: the writer makes one write per update
// (Socket.IO: `emit('u', { fqn, value })`; Yjs: `ymap.set(fqn, value)`; TinyBase:
// `store.setValue(fqn, value)` on a MergeableStore), and the reader listens to what it is given
// (`socket.on('u')`; `ymap.observe` → `keysChanged`; `store.addValueListener(null, …)`).
// `round` groups the writes of one round of the burst: nothing for most peers (so one
// transaction, and one message, per update); `doc.transact` / `store.transaction` in the
// "per round" variants, one transaction per round of 1,000 updates.
import type { BenchValue } from './writer.js';
import { openSocket } from './open-socket.js';

export type Peer = 'socketio' | 'yjs' | 'yjs-round' | 'tinybase' | 'tinybase-round';

/** The server process (bench/processes/<name>.ts) of a peer. */
export const serverOf = (peer: Peer): string =>
  peer === 'socketio' ? 'socketio-relay' : peer.startsWith('yjs') ? 'yjs-server' : 'tinybase-server';

// The same names and padding as bench/processes/writer.ts (which cannot be imported: it serves).
export const PAD = 'x'.repeat(48);
export const fqnOf = (i: number): string => `bench.v/v${i}`;

export interface PeerWriter {
  write(i: number, value: BenchValue): void;
  round(writes: () => void): void;
  close(): Promise<void>;
}

export interface PeerReader {
  close(): Promise<void>;
}

/** The room / document / path every client of a peer joins. */
const ROOM = 'bench';
const once = (emitter: { once(event: string, listener: (...args: any[]) => void): unknown }, event: string) =>
  new Promise<unknown[]>((resolve) => emitter.once(event, (...args: any[]) => resolve(args)));

export async function openWriter(peer: Peer, url: string, vars: number): Promise<PeerWriter> {
  switch (peer) {
    case 'socketio': {
      const { io } = await import('socket.io-client');
      const socket = io(url, { transports: ['websocket'], query: { role: 'write' }, reconnection: false });
      await once(socket, 'connect');
      return {
        write: (i, value) => void socket.emit('u', { fqn: fqnOf(i), value }),
        round: (writes) => writes(),
        close: async () => void socket.close(),
      };
    }
    case 'yjs':
    case 'yjs-round': {
      const { doc, map, close } = await openYjs(url);
      doc.transact(() => {
        for (let i = 0; i < vars; i++) map.set(fqnOf(i), { r: -1, i, s: -1, t: 0, p: PAD });
      });
      return {
        write: (i, value) => map.set(fqnOf(i), value),
        round: peer === 'yjs-round' ? (writes) => doc.transact(writes) : (writes) => writes(),
        close,
      };
    }
    case 'tinybase':
    case 'tinybase-round': {
      const { store, synchronizer } = await openTinyBase(url);
      store.transaction(() => {
        for (let i = 0; i < vars; i++) store.setValue(fqnOf(i), { r: -1, i, s: -1, t: 0, p: PAD });
      });
      return {
        write: (i, value) => void store.setValue(fqnOf(i), value as any),
        round: peer === 'tinybase-round' ? (writes) => void store.transaction(writes) : (writes) => writes(),
        close: async () => void (await synchronizer.destroy()),
      };
    }
  }
}

export async function openReader(peer: Peer, url: string, onValue: (value: BenchValue) => void): Promise<PeerReader> {
  switch (peer) {
    case 'socketio': {
      const { io } = await import('socket.io-client');
      const socket = io(url, { transports: ['websocket'], query: { role: 'read' }, reconnection: false });
      socket.on('u', (message: { fqn: string; value: BenchValue }) => onValue(message.value));
      await once(socket, 'connect');
      return { close: async () => void socket.close() };
    }
    case 'yjs':
    case 'yjs-round': {
      const { map, close } = await openYjs(url);
      map.observe((event) => {
        for (const key of event.keysChanged) {
          const value = map.get(key);
          if (value !== undefined) onValue(value);
        }
      });
      return { close };
    }
    case 'tinybase':
    case 'tinybase-round': {
      const { store, synchronizer } = await openTinyBase(url);
      store.addValueListener(null, (_store, _id, value) => onValue(value as unknown as BenchValue));
      return { close: async () => void (await synchronizer.destroy()) };
    }
  }
}

/** A Y.Doc synced with the y-websocket server through a WebsocketProvider (room `bench`, map `v`). */
async function openYjs(url: string) {
  const Y = await import('yjs');
  const { WebsocketProvider } = await import('y-websocket');
  const { WebSocket } = await import('ws');
  const doc = new Y.Doc();
  const map = doc.getMap<BenchValue>('v');
  const provider = new WebsocketProvider(url, ROOM, doc, { WebSocketPolyfill: WebSocket as any, disableBc: true, connect: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('y-websocket: not synced within 10 s')), 10_000);
    provider.on('sync', (synced: boolean) => {
      if (!synced) return;
      clearTimeout(timer);
      resolve();
    });
  });
  const close = async () => {
    provider.destroy();
    doc.destroy();
  };
  return { doc, map, close };
}

/** A MergeableStore synced through a WsSynchronizer with the TinyBase WsServer (path `/bench`). */
async function openTinyBase(url: string) {
  const { createMergeableStore } = await import('tinybase');
  const { createWsSynchronizer } = await import('tinybase/synchronizers/synchronizer-ws-client');
  const store = createMergeableStore();
  const ws = await openSocket(`${url}/${ROOM}`);
  const synchronizer = await createWsSynchronizer(store, ws);
  await synchronizer.startSync();
  return { store, synchronizer };
}
