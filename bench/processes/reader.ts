// Reader process: `connections` followers of `bench.>` — varspace links (`follow`, each with its
// own space), raw `ws` connections to a relay's `/read`, Socket.IO clients of its relay (the peer
// client of bench/processes/peers.ts), or (`hand`, for probe-mix) plain `ws`
// clients that follow a hub by hand (`sub`, then `upds` parsed and read directly), or (`kv`, for
// bench/cluster.ts) plain NATS KV watchers of the nats-server at `url`. Counts updates,
// notes when every var reached its final value on every connection, and measures latency from the
// send times.
import type { WebSocket } from 'ws';
import { Space, connect, type Link } from '../../dist/index.js';
import { hrMs, serve } from './ipc.js';
import { openKv, watchValues, type RawKv } from './kv-client.js';
import { openSocket } from './open-socket.js';
import { openReader, type PeerReader } from './peers.js';
import type { BenchValue } from './writer.js';

interface Expectation {
  vars: number;
  total: number;
  warmup: number;
  latency: boolean;
}

class Follower {
  received = 0;
  finals = 0;
  done: Uint8Array = new Uint8Array(0);
  latencies: number[] = [];

  constructor(private readonly onDone: () => void) {}

  arm(): void {
    this.received = 0;
    this.finals = 0;
    this.done = new Uint8Array(expect.vars);
    this.latencies = [];
  }

  onValue(value: BenchValue): void {
    if (value.r < 0) return;
    this.received++;
    if (expect.latency && value.s >= expect.warmup) this.latencies.push(hrMs() - value.t);
    const i = value.i;
    // the last sequence number that targets var i
    const last = expect.total - 1 - ((expect.total - 1 - i) % expect.vars);
    if (value.s >= last && this.done[i] === 0) {
      this.done[i] = 1;
      if (++this.finals === Math.min(expect.vars, expect.total)) this.onDone();
    }
  }
}

let expect: Expectation = { vars: 0, total: 0, warmup: 0, latency: false };
const followers: Follower[] = [];
const sockets: WebSocket[] = [];
const links: Link[] = [];
const peers: PeerReader[] = [];
const kvs: RawKv[] = [];
let pendingDone = 0;
let finished: { tDone: number } | undefined;
let onFinished: (() => void) | undefined;

function followerDone(): void {
  if (--pendingDone === 0) {
    finished = { tDone: hrMs() };
    onFinished?.();
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

serve({
  async connect(params) {
    const count: number = params.connections;
    for (let c = 0; c < count; c++) {
      const follower = new Follower(followerDone);
      followers.push(follower);
      if (params.mode === 'hand') {
        const ws = await openSocket(params.url);
        const synced = new Promise<void>((resolve) => {
          ws.on('message', (data) => {
            for (const message of JSON.parse(data.toString()) as { t: string; u?: unknown[][] }[]) {
              if (message.t === 'upds') for (const entry of message.u!) follower.onValue(entry[3] as BenchValue);
              else if (message.t === 'welcome') ws.send('[{"t":"sub","sid":1,"pattern":"bench.>"}]');
              else if (message.t === 'subok') resolve();
            }
          });
        });
        ws.send('[{"t":"hello","versions":[1]}]');
        await synced;
        sockets.push(ws);
      } else if (params.mode === 'socketio') {
        peers.push(await openReader('socketio', params.url, (value) => follower.onValue(value)));
      } else if (params.mode === 'kv') {
        const raw = await openKv(params.url);
        kvs.push(raw);
        await watchValues(raw, (value) => follower.onValue(value));
      } else if (params.mode === 'raw') {
        const ws = await openSocket(`${params.url}/read`);
        ws.on('message', (data) => follower.onValue((JSON.parse(data.toString()) as { value: BenchValue }).value));
        sockets.push(ws);
      } else {
        const space = new Space();
        const link = await connect(params.url, { space, reconnect: false });
        links.push(link);
        await link.follow('bench.>').synced;
        space.vars$('bench.>').subscribe((target) => target.subscribe((value) => follower.onValue(value as BenchValue)));
      }
    }
    return null;
  },

  arm(params) {
    expect = { vars: params.vars, total: params.total, warmup: params.warmup ?? 0, latency: params.latency ?? false };
    for (const follower of followers) follower.arm();
    pendingDone = followers.length;
    finished = undefined;
    return null;
  },

  async wait(params) {
    if (!finished) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`not every final value arrived within ${params.timeoutMs} ms (${followers.map((f) => f.finals).join(',')} finals)`),
            ),
          params.timeoutMs,
        );
        onFinished = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    let received = 0;
    const latencies: number[] = [];
    for (const follower of followers) {
      received += follower.received;
      for (const l of follower.latencies) latencies.push(l);
    }
    const series = params.series ? latencies.slice() : undefined;
    latencies.sort((a, b) => a - b);
    return {
      series,
      tDone: finished!.tDone,
      received,
      samples: latencies.length,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? NaN,
    };
  },

  async close() {
    for (const ws of sockets) ws.close();
    for (const peer of peers) await peer.close();
    for (const raw of kvs) await raw.close();
    for (const link of links) await link.close();
    return null;
  },
});
