// connect([urlA, urlB, …]): a link given the hubs of a cluster tries them in order at start, then
// round robin with backoff on reconnect, and keeps its instance id from hub to hub (the hubs share
// their `secret`, so the resume token verifies on each). Real hubs over loopback WebSockets; each
// hub has its own memory store here (the shared state of a cluster is spec/cluster's, on NATS).
import { WebSocket } from 'ws';
import {
  ClosedError,
  Space,
  UnauthenticatedError,
  ValidationError,
  connect,
  startHub,
  type HubHandle,
  type Link,
  type LinkStatus,
  type Tagged,
} from '../../src/index.js';
import { loopbackHub } from '../support/loopback-hub.js';
import { TcpProxy, freePort, waitFor } from './net-helpers.js';

const FAST = { initialDelayMs: 5, maxDelayMs: 40 };
const SECRET = 'the-secret-shared-by-the-hubs-of-the-hub-urls-spec';

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  // links first (so they do not reconnect into hubs that are closing), then proxies and hubs
  for (const item of opened.splice(0).reverse()) await item.close();
});

/** A `ws` WebSocket that writes down every URL a link opens, in order (dead ones too). */
function recordingWebSocket(): { WebSocket: typeof WebSocket; tried: string[] } {
  const tried: string[] = [];
  class Recording extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      tried.push(String(args[0]));
      super(...args);
    }
  }
  return { WebSocket: Recording as unknown as typeof WebSocket, tried };
}

/** A link on the given URLs, recording its statuses and the URLs it opens. */
async function clusterLink(urls: string[], options: { reconnect?: object; token?: string } = {}) {
  const recording = recordingWebSocket();
  const space = new Space();
  const link = await connect(urls, {
    space,
    WebSocket: recording.WebSocket,
    reconnect: { ...FAST, ...options.reconnect },
    token: options.token,
  });
  const statuses: LinkStatus[] = [];
  link.status$.subscribe((s) => statuses.push(s));
  const ids: string[] = [];
  link.instanceId$.subscribe((id) => ids.push(id));
  opened.push(link);
  return { link, space, statuses, ids, tried: recording.tried };
}

/** Resolves once the link has been through 'reconnecting' after `from` and is open again. */
async function reopened(c: { statuses: LinkStatus[]; link: Link }, from: number): Promise<void> {
  await waitFor(() => c.statuses.slice(from).includes('reconnecting') && c.link.status$.value === 'open', 'the link to reopen');
}

async function proxyTo(hub: HubHandle): Promise<TcpProxy> {
  const proxy = await TcpProxy.start(hub.port);
  opened.push(proxy);
  return proxy;
}

const deadUrl = async () => `ws://127.0.0.1:${await freePort()}`;

describe('connect([urls])', () => {
  test('fails over to the second hub when the first closes: same instance id, its shares and follows carry on there', async () => {
    const authenticate = ({ token }: { token?: string }) => (token === 'ops-token' ? { name: 'ops' } : undefined);
    const a = await startHub({ port: 0, host: '127.0.0.1', secret: SECRET, authenticate });
    const b = await loopbackHub(opened, { secret: SECRET, authenticate });
    const c = await clusterLink([a.url, b.url], { token: 'ops-token' });
    const id = c.link.instanceId;
    expect(c.tried).toEqual([a.url + '/?token=ops-token']);

    c.link.share('mine.>');
    c.link.follow('theirs.>');
    c.space.intern('mine/x', 1);
    await waitFor(() => a.space.resolve('mine/x')?.deref() === 1, 'the share to reach hub A');

    // another process, on hub B only
    const otherSpace = new Space();
    const other = await connect(b.url, { space: otherSpace, token: 'ops-token', reconnect: FAST });
    opened.push(other);
    const seen: Tagged<unknown>[] = [];
    other.remote$('mine.>').subscribe((t) => seen.push(t));
    otherSpace.intern('theirs/y', 'from B');
    await other.share('theirs.>').synced;

    const from = c.statuses.length;
    await a.close();
    await reopened(c, from);
    expect(c.statuses).toEqual(['open', 'reconnecting', 'open']);
    expect(c.link.instanceId).toBe(id);
    expect(c.ids.filter((x) => x !== '')).toEqual([id]);
    expect(c.tried.at(-1)).toBe(b.url + '/?token=ops-token');

    // hub B has its own store here: the link resyncs in full, both ways
    await waitFor(() => c.space.resolve('theirs/y')?.deref() === 'from B', 'hub B state to reach the link');
    await waitFor(() => b.space.resolve('mine/x')?.deref() === 1, 'the link state to reach hub B');
    c.space.resolve('mine/x')!.reset(2);
    await waitFor(() => seen.some((t) => t.value === 2), 'a write after the failover to reach hub B followers');
    expect(seen.find((t) => t.value === 2)!.from).toBe(id);
  });

  test('tries the URLs in order at start, then round robin on every reconnect', async () => {
    const a = await loopbackHub(opened, { secret: SECRET });
    const b = await loopbackHub(opened, { secret: SECRET });
    const [pa, pb] = [await proxyTo(a), await proxyTo(b)];
    const dead = await deadUrl();
    const c = await clusterLink([dead, pa.url, pb.url]);
    const id = c.link.instanceId;
    // the dead one first (refused), then the first that answers
    expect(c.tried).toEqual([dead, pa.url]);

    let from = c.statuses.length;
    pa.drop();
    await reopened(c, from);
    from = c.statuses.length;
    pb.drop();
    await reopened(c, from);
    // after A: B; after B: the dead one (refused), then A
    expect(c.tried).toEqual([dead, pa.url, pb.url, dead, pa.url]);
    expect([pa.accepted, pb.accepted]).toEqual([2, 1]);
    expect(c.link.instanceId).toBe(id);
    expect(c.ids.filter((x) => x !== '')).toEqual([id]);
  });

  test('every hub down: retries round robin with growing delays, and resumes its id on the first hub back', async () => {
    const a = await startHub({ port: 0, host: '127.0.0.1', secret: SECRET });
    const b = await startHub({ port: 0, host: '127.0.0.1', secret: SECRET });
    const retries: [number, number][] = [];
    const c = await clusterLink([a.url, b.url], {
      reconnect: {
        initialDelayMs: 4,
        factor: 2,
        maxDelayMs: 32,
        random: () => 0.5,
        onRetry: (n: number, ms: number) => retries.push([n, ms]),
      },
    });
    const id = c.link.instanceId;
    await b.close(); // the link is on A: nothing happens to it
    await a.close();
    await waitFor(() => retries.length >= 6, '6 reconnect attempts');
    // attempt n waits 0.5 × min(32, 4 × 2^n): the same backoff as with one URL
    expect(retries.slice(0, 6)).toEqual([
      [0, 2],
      [1, 4],
      [2, 8],
      [3, 16],
      [4, 16],
      [5, 16],
    ]);
    // B, A, B, A, … after the first connection to A
    const attempts = c.tried.slice(1, 6);
    expect(attempts).toEqual([b.url, a.url, b.url, a.url, b.url]);
    expect(c.link.status$.value).toBe('reconnecting');

    const back = await loopbackHub(opened, { port: b.port, secret: SECRET });
    await waitFor(() => c.link.status$.value === 'open', 'the link to reopen on hub B');
    expect(c.statuses).toEqual(['open', 'reconnecting', 'open']);
    expect(c.link.instanceId).toBe(id);
    let onB: string[] = [];
    const sub = back.instances$.subscribe((list) => (onB = list.map((i) => i.instanceId)));
    await waitFor(() => onB.includes(id), 'hub B to list the link under its id');
    sub.unsubscribe();
  });

  test('no hub reachable at start: ClosedError naming every URL, after trying each once', async () => {
    const [dead1, dead2] = [await deadUrl(), await deadUrl()];
    const recording = recordingWebSocket();
    const error = await connect([dead1, dead2], { space: new Space(), WebSocket: recording.WebSocket }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClosedError);
    expect((error as ClosedError).code).toBe('VS_CLOSED');
    expect((error as Error).message).toContain(dead1);
    expect((error as Error).message).toContain(dead2);
    expect(recording.tried).toEqual([dead1, dead2]);
  });

  test('a refusal at start is the answer of the cluster: final, the next URL is not tried', async () => {
    const a = await loopbackHub(opened, { secret: SECRET, authenticate: () => undefined });
    const b = await loopbackHub(opened, { secret: SECRET });
    const recording = recordingWebSocket();
    const error = await connect([a.url, b.url], { space: new Space(), WebSocket: recording.WebSocket }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(recording.tried).toEqual([a.url]);
  });

  test.each([
    ['an empty list', []],
    ['a bad URL in the list', ['ws://127.0.0.1:1', 'ftp://127.0.0.1:2']],
    ['a relative URL outside a page', ['ws://127.0.0.1:1', '/hub']],
    ['a non-string in the list', ['ws://127.0.0.1:1', 7]],
  ])('%s: ValidationError (VS_INVALID_VALUE), nothing opened', async (_what, urls) => {
    const recording = recordingWebSocket();
    const error = await connect(urls as string[], { space: new Space(), WebSocket: recording.WebSocket }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('VS_INVALID_VALUE');
    expect(recording.tried).toEqual([]);
  });
});
