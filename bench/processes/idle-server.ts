// The server side of `bench/soak-idle.ts`, in its own process: a varspace hub (`startHub`, built
// dist) or a raw `ws` server with the hub's heartbeat rule, holding idle connections.
// Usage: idle-server.ts <varspace|raw> <intervalMs> <timeoutMs>
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WebSocketServer, type WebSocket } from 'ws';
import { startHub } from '../../dist/index.js';
import { Liveness } from '../../dist/wire/liveness.js';
import { serve } from './ipc.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const [kind, intervalArg, timeoutArg] = process.argv.slice(2);
const heartbeat = { intervalMs: Number(intervalArg), timeoutMs: Number(timeoutArg) };

/** The live heap and RSS after full collections (bytes). */
function memory(): { heap: number; rss: number } {
  for (let i = 0; i < 3; i++) gc();
  return { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage.rss() };
}

let url: string;
let connections: () => number;
let dropped = 0;

if (kind === 'varspace') {
  const hub = await startHub({ port: 0, host: '127.0.0.1', heartbeat });
  url = hub.url;
  connections = () => hub.stats().connections;
} else {
  // The raw baseline: what a hand-written `ws` server does to keep idle peers honest — the hub's
  // rule (ping a peer quiet for intervalMs, drop it after timeoutMs), with WebSocket pings.
  interface Peer {
    readonly liveness: Liveness;
    lastPing: number;
  }
  const peers = new Map<WebSocket, Peer>();
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    const peer: Peer = { liveness: new Liveness(Date.now()), lastPing: 0 };
    peers.set(ws, peer);
    const hear = () => peer.liveness.hear();
    ws.on('message', hear);
    ws.on('pong', hear);
    ws.on('close', () => peers.delete(ws));
  });
  const period = Math.max(10, Math.min(heartbeat.intervalMs, heartbeat.timeoutMs / 3));
  setInterval(() => {
    const now = Date.now();
    for (const [ws, peer] of peers) {
      const quiet = peer.liveness.quietFor(now);
      if (quiet >= heartbeat.timeoutMs) {
        dropped++;
        peers.delete(ws);
        ws.close(4000, 'timeout');
      } else if (quiet >= heartbeat.intervalMs && now - peer.lastPing >= heartbeat.intervalMs) {
        peer.lastPing = now;
        ws.ping();
      }
    }
  }, period).unref();
  url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
  connections = () => peers.size;
}

const inspector = new Session();

serve({
  /** Starts a CPU profile (the idle window, when SOAK_IDLE_PROFILE names a directory). */
  async profileStart() {
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
    return null;
  },
  /** Writes the profile to `<dir>/<kind>.cpuprofile`. */
  async profileStop(params) {
    const { profile } = await inspector.post('Profiler.stop');
    writeFileSync(`${params.dir as string}/${kind}.cpuprofile`, JSON.stringify(profile));
    return null;
  },
  url: () => url,
  memory,
  connections: () => connections(),
  dropped: () => dropped,
});
