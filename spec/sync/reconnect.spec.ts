// Reconnect and resync through real sockets: backoff, status$, instance id, follows and shares
// re-established with no app code, resync that sends only what changed, offline writes merged.
import {
  Space,
  backoffDelay,
  connect,
  memoryPair,
  startHub,
  type HubHandle,
  type Link,
  type LinkStatus,
  type Transport,
} from '../../src/index.js';
import { Outbox } from '../../src/transport/outbox.js';
import { TcpProxy, countingFactory, sleep, waitFor } from './net-helpers.js';

const FAST = { initialDelayMs: 5, maxDelayMs: 40 };
/** The resume-token secret of the hub, and of the hub restarted in its place where a test keeps instance ids across the restart. */
const SECRET = 'the-secret-of-the-reconnect-spec-hubs';

let hub: HubHandle;
const links: Link[] = [];
const proxies: TcpProxy[] = [];

beforeEach(async () => {
  hub = await startHub({ port: 0, host: '127.0.0.1', secret: SECRET });
});
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await hub.close();
});

async function proxy(): Promise<TcpProxy> {
  const p = await TcpProxy.start(hub.port);
  proxies.push(p);
  return p;
}

/** A link through its own proxy, counting its traffic. */
async function client(options: { reconnect?: object; space?: Space } = {}) {
  const p = await proxy();
  const counting = countingFactory(() => p.url);
  const space = options.space ?? new Space();
  const link = await connect(counting.factory, { space, reconnect: { ...FAST, ...options.reconnect } });
  links.push(link);
  const statuses: LinkStatus[] = [];
  link.status$.subscribe((s) => statuses.push(s));
  return { space, link, proxy: p, traffic: counting.traffic, resetTraffic: counting.reset, statuses };
}

/** Resolves once `link` has been through 'reconnecting' (from `from` on) and is open again. */
async function reopened(c: { statuses: LinkStatus[]; link: Link }, from: number): Promise<void> {
  await waitFor(() => c.statuses.slice(from).includes('reconnecting') && c.link.status$.value === 'open', 'the link to reconnect');
}

const count = (map: Map<string, number>, type: string) => map.get(type) ?? 0;

describe('backoffDelay', () => {
  test('full jitter: a uniform value in [0, ceiling), from the injected random', () => {
    expect(backoffDelay(3, { initialDelayMs: 100, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { initialDelayMs: 100, random: () => 0.5 })).toBe(400);
    expect(backoffDelay(3, { initialDelayMs: 100, random: () => 0.999999 })).toBe(799);
    for (let i = 0; i < 1000; i++) {
      const delay = backoffDelay(3, { initialDelayMs: 100 });
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(800);
    }
  });

  test('the ceiling grows exponentially and is capped; defaults 100 ms × 2^n up to 5 s', () => {
    const top = (attempt: number, options = {}) => backoffDelay(attempt, { ...options, random: () => 0.999999 }) + 1;
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20, 5000].map((n) => top(n))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]);
    expect([0, 1, 2, 3, 4].map((n) => top(n, { initialDelayMs: 10, factor: 3, maxDelayMs: 200 }))).toEqual([10, 30, 90, 200, 200]);
  });

  test('a random source outside [0, 1) cannot make a negative or over-cap delay', () => {
    expect(backoffDelay(0, { random: () => -1 })).toBe(0);
    expect(backoffDelay(10, { random: () => 7 })).toBe(4999);
  });
});

describe('reconnect', () => {
  test('retries with growing, capped delays while the hub is unreachable, and starts over after a success', async () => {
    const retries: [number, number][] = [];
    const randoms: number[] = [];
    const c = await client({
      reconnect: {
        initialDelayMs: 4,
        factor: 2,
        maxDelayMs: 32,
        random: () => (randoms.push(0.5), 0.5),
        onRetry: (attempt: number, delay: number) => retries.push([attempt, delay]),
      },
    });
    c.proxy.down();
    await waitFor(() => retries.length >= 7, '7 reconnect attempts');
    c.proxy.up();
    await reopened(c, 0);
    const firstOutage = retries.splice(0);
    // attempt n waits random × min(32, 4 × 2^n): 2, 4, 8, 16, 16, 16, …
    expect(firstOutage.slice(0, 7)).toEqual([
      [0, 2],
      [1, 4],
      [2, 8],
      [3, 16],
      [4, 16],
      [5, 16],
      [6, 16],
    ]);
    expect(randoms.length).toBe(firstOutage.length);
    expect(c.link.stats().reconnects).toBe(firstOutage.length);

    // Once the hub has answered on the new connection, the next outage starts again from the
    // first delay (no compounding across outages).
    await c.link.ping();
    const mark = c.statuses.length;
    c.proxy.down();
    await waitFor(() => retries.length >= 2, '2 reconnect attempts');
    c.proxy.up();
    await reopened(c, mark);
    expect(retries.slice(0, 2)).toEqual([
      [0, 2],
      [1, 4],
    ]);
  });

  test('status$ goes open → reconnecting → open across drops (also a hub restart on the same port), then closed', async () => {
    const space = new Space();
    const link = await connect(hub.url, { space, reconnect: FAST });
    links.push(link);
    const statuses: LinkStatus[] = [];
    link.status$.subscribe((s) => statuses.push(s));
    const id = link.instanceId;

    // 1. the hub stops and starts again on the same port (several failed attempts in between)
    const port = hub.port;
    await hub.close();
    await waitFor(() => link.stats().reconnects >= 3, 'a few failed attempts');
    hub = await startHub({ port, host: '127.0.0.1', secret: SECRET }); // the same secret: the resume token verifies
    await waitFor(() => link.status$.value === 'open', 'open again');
    expect(statuses).toEqual(['open', 'reconnecting', 'open']);
    expect(link.instanceId).toBe(id);

    // 2. the connection is cut under the link (the hub keeps running)
    const p = await proxy();
    const counting = countingFactory(() => p.url);
    const other = await connect(counting.factory, { space: new Space(), reconnect: FAST });
    links.push(other);
    const otherStatuses: LinkStatus[] = [];
    other.status$.subscribe((s) => otherStatuses.push(s));
    for (let i = 0; i < 3; i++) {
      const from = otherStatuses.length;
      p.drop();
      await waitFor(() => otherStatuses.slice(from).includes('reconnecting') && other.status$.value === 'open', 'reopen');
    }
    expect(otherStatuses).toEqual(['open', 'reconnecting', 'open', 'reconnecting', 'open', 'reconnecting', 'open']);
    await other.close();
    await link.close();
    expect(otherStatuses.at(-1)).toBe('closed');
    expect(statuses).toEqual(['open', 'reconnecting', 'open', 'closed']);
  });

  test('a hub that welcomes and drops the link at once gets growing delays, not a reconnect storm', async () => {
    let connections = 0;
    const factory = async () => {
      connections++;
      const [client, server] = memoryPair();
      server.listen({
        frame: (frame) => {
          if (!JSON.parse(frame).some((m: { t: string }) => m.t === 'hello')) return;
          server.send(JSON.stringify([{ t: 'welcome', version: 1, id: 'me', token: 'secret', hub: 'hub', epoch: 'e1', time: Date.now() }]));
          // the first connection stays; every later one is dropped right after the welcome
          if (connections > 1) setTimeout(() => server.close(1009, 'too big'), 1);
        },
        close: () => {},
      });
      return client;
    };
    const retries: number[] = [];
    const link = await connect(factory, {
      space: new Space(),
      heartbeat: false,
      reconnect: { initialDelayMs: 2, maxDelayMs: 16, random: () => 0.5, onRetry: (attempt: number) => retries.push(attempt) },
    });
    links.push(link);
    expect(link.status$.value).toBe('open');
    // drop the first connection: from now on every reconnect is welcomed and dropped at once
    (link as unknown as { connection: { transport: Transport } }).connection.transport.close(1006, 'cut');
    await waitFor(() => retries.length >= 6, '6 retries');
    expect(retries.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(connections).toBeGreaterThanOrEqual(6);
  });

  test('gives up after maxAttempts failed attempts in a row: status closed', async () => {
    const c = await client({ reconnect: { maxAttempts: 3 } });
    c.proxy.down();
    await waitFor(() => c.link.status$.value === 'closed', 'closed');
    expect(c.statuses).toEqual(['open', 'reconnecting', 'closed']);
    expect(c.link.stats().reconnects).toBe(3);
  });

  test('close() while reconnecting stops retrying', async () => {
    const c = await client();
    c.proxy.down();
    await waitFor(() => c.link.stats().reconnects >= 2, 'retrying');
    await c.link.close();
    const attempts = c.proxy.accepted;
    const reconnects = c.link.stats().reconnects;
    await sleep(100);
    expect(c.link.stats().reconnects).toBe(reconnects);
    expect(c.proxy.accepted).toBe(attempts);
    expect(c.statuses.at(-1)).toBe('closed');
  });

  test('a half-open connection (the hub has not noticed the drop) does not keep the link out', async () => {
    const c = await client();
    const id = c.link.instanceId;
    c.space.intern('h/v', 1);
    await c.link.share('h.>').synced;
    const from = c.statuses.length;
    c.proxy.cutClientSide();
    // The resume presents the right token: the hub drops the stale connection instead of refusing
    // the new one until its heartbeat notices (30 s by default).
    await waitFor(() => c.statuses.slice(from).includes('reconnecting') && c.link.status$.value === 'open', 'the link to reconnect', 5000);
    expect(c.link.instanceId).toBe(id);
    expect(hub.hub.stats().connections).toBe(1);
    c.space.resolve('h/v')!.reset(2);
    await c.link.ping();
    expect(hub.space.resolve('h/v')!.deref()).toBe(2);
  });

  test('a resume with the wrong token for a live instance is still refused', async () => {
    const c = await client();
    const intruder = countingFactory(() => hub.url);
    const transport = await intruder.factory();
    const got: any[] = [];
    const closed = new Promise<number>((resolve) =>
      transport.listen({ frame: (f) => got.push(...JSON.parse(f)), close: (code) => resolve(code) }),
    );
    transport.send(JSON.stringify([{ t: 'hello', versions: [1], resume: { id: c.link.instanceId, token: 'not-the-token' } }]));
    expect(await closed).toBe(4003);
    expect(got[0]).toMatchObject({ t: 'err', code: 'VS_FORBIDDEN' });
    expect(c.link.status$.value).toBe('open');
    await c.link.ping();
  });

  test('the instance id survives reconnects; the hub lists it once', async () => {
    const c = await client();
    const id = c.link.instanceId;
    for (let i = 0; i < 3; i++) {
      const from = c.statuses.length;
      c.proxy.drop();
      await reopened(c, from);
      expect(c.link.instanceId).toBe(id);
    }
    await waitFor(() => hub.hub.stats().connections === 1, 'one connection');
    const ids = (hub.space.match('$sys.instances/*') as { fqn: string }[]).map((v) => v.fqn);
    expect(ids).toEqual([`$sys.instances/${id}`]);
  });
});

describe('follows, shares and syncs come back by themselves', () => {
  test('after a dropped connection (same hub): live updates flow both ways, new vars included', async () => {
    const a = await client();
    const b = await client();
    a.space.intern('a.cfg/mode', 'slow');
    await a.link.share('a.>').synced;
    await b.link.follow('a.>').synced;
    await b.link.sync('both.>').synced;
    await a.link.sync('both.>').synced;
    expect(b.space.resolve('a.cfg/mode')!.deref()).toBe('slow');

    const fromA = a.statuses.length;
    const fromB = b.statuses.length;
    a.proxy.drop();
    b.proxy.drop();
    await reopened(a, fromA);
    await reopened(b, fromB);

    a.space.resolve('a.cfg/mode')!.reset('fast');
    a.space.intern('a.cfg/new', 1);
    b.space.intern('both/fromB', 'b');
    a.space.intern('both/fromA', 'a');
    await waitFor(() => b.space.resolve('a.cfg/mode')?.deref() === 'fast' && b.space.resolve('a.cfg/new')?.deref() === 1, 'a → b');
    await waitFor(() => a.space.resolve('both/fromB')?.deref() === 'b' && b.space.resolve('both/fromA')?.deref() === 'a', 'both ways');
  });

  test('after a hub restart with an empty store: the hub is rebuilt from the clients, follows start over', async () => {
    const a = await client();
    const b = await client();
    a.space.intern('a.cfg/mode', 'slow');
    await a.link.share('a.>').synced;
    await b.link.follow('a.>').synced;
    b.space.intern('both/x', 1);
    await b.link.sync('both.>').synced;
    await a.link.sync('both.>').synced;
    await waitFor(() => a.space.resolve('both/x')?.deref() === 1, 'x at a');
    await a.link.set('solo/s', 'written with set'); // not shared: an own write all the same
    const epoch = hub.hub.store.epoch;

    const port = hub.port;
    const fromA = a.statuses.length;
    const fromB = b.statuses.length;
    await hub.close();
    hub = await startHub({ port, host: '127.0.0.1' });
    await reopened(a, fromA);
    await reopened(b, fromB);
    expect(hub.hub.store.epoch).not.toBe(epoch);
    await a.link.ping();
    await b.link.ping();
    await waitFor(() => hub.space.resolve('a.cfg/mode')?.deref() === 'slow' && hub.space.resolve('both/x')?.deref() === 1, 'hub rebuilt');
    await waitFor(() => hub.space.resolve('solo/s')?.deref() === 'written with set', 'the set value rebuilt');

    a.space.resolve('a.cfg/mode')!.reset('fast');
    a.space.resolve('both/x')!.reset(2);
    await waitFor(() => b.space.resolve('a.cfg/mode')?.deref() === 'fast' && b.space.resolve('both/x')?.deref() === 2, 'live again');
  });
});

describe('resync', () => {
  const N = 10_000;

  async function pair() {
    const a = await client();
    const b = await client();
    await Promise.all([a.link.sync('big.>').synced, b.link.sync('big.>').synced]);
    a.space.transact(() => {
      for (let i = 0; i < N / 2; i++) a.space.intern(`big.a/v${i}`, i);
    });
    b.space.transact(() => {
      for (let i = 0; i < N / 2; i++) b.space.intern(`big.b/v${i}`, -i);
    });
    await waitFor(
      () => a.space.match('big.b/*').length === N / 2 && b.space.match('big.a/*').length === N / 2,
      'the full state at both',
      15_000,
    );
    // every write confirmed by the hub (marks), every follow up to date
    await Promise.all([a.link.share('big.>').synced, b.link.share('big.>').synced]);
    await Promise.all([a.link.ping(), b.link.ping()]);
    expect(hub.hub.stats().vars).toBeGreaterThanOrEqual(N);
    return { a, b };
  }

  async function reconnectBoth(a: Awaited<ReturnType<typeof client>>, b: Awaited<ReturnType<typeof client>>, whileDown?: () => void) {
    const fromA = a.statuses.length;
    const fromB = b.statuses.length;
    a.proxy.down();
    b.proxy.down();
    await waitFor(() => a.link.status$.value === 'reconnecting' && b.link.status$.value === 'reconnecting', 'both reconnecting');
    whileDown?.();
    a.proxy.up();
    b.proxy.up();
    await reopened(a, fromA);
    await reopened(b, fromB);
    // once each ping is answered, the hub has processed the resync and its answers have arrived
    await Promise.all([a.link.ping(), b.link.ping()]);
    await Promise.all([a.link.ping(), b.link.ping()]);
  }

  test('10,000 vars followed and shared, nothing changed: a reconnect sends no values either way', async () => {
    const { a, b } = await pair();
    a.resetTraffic();
    b.resetTraffic();
    const hubBefore = hub.hub.stats();
    const linkBefore = [a.link.stats(), b.link.stats()];
    await reconnectBoth(a, b);

    const sent = a.traffic.pubs.length + b.traffic.pubs.length;
    const received = a.traffic.upds.length + b.traffic.upds.length;
    const hubAfter = hub.hub.stats();
    console.log(
      `resync of ${N} unchanged vars: values sent ${sent}, values received ${received}; ` +
        `bytes out ${a.traffic.bytesSent + b.traffic.bytesSent}, in ${a.traffic.bytesReceived + b.traffic.bytesReceived}; ` +
        `hub values routed ${hubAfter.valuesRouted - hubBefore.valuesRouted}, messages out ${hubAfter.messagesOut - hubBefore.messagesOut}`,
    );
    expect(sent).toBe(0);
    expect(received).toBe(0);
    expect(count(a.traffic.received, 'gone') + count(b.traffic.received, 'gone')).toBe(0);
    expect(hubAfter.valuesRouted - hubBefore.valuesRouted).toBe(0);
    expect(a.link.stats().valuesOut - linkBefore[0].valuesOut).toBe(0);
    expect(b.link.stats().valuesIn - linkBefore[1].valuesIn).toBe(0);
    // the follows were re-established (from the last revision seen)
    expect(count(a.traffic.sent, 'sub')).toBeGreaterThanOrEqual(1);
    expect(count(b.traffic.sent, 'sub')).toBeGreaterThanOrEqual(1);
  }, 30_000);

  test('large values: resync frames stay under the hub’s frame limit (no reconnect loop)', async () => {
    const a = await client();
    const b = await client();
    await b.link.follow('large.>').synced;
    const value = 'x'.repeat(300);
    a.space.transact(() => {
      for (let i = 0; i < 6000; i++) a.space.intern(`large/v${i}`, `${i}${value}`); // ~2 MB in all
    });
    await a.link.share('large.>').synced;
    await waitFor(() => b.space.match('large/*').length === 6000, 'every var at b');
    // the hub restarts empty: a re-publishes all of it at once
    const port = hub.port;
    const from = a.statuses.length;
    await hub.close();
    hub = await startHub({ port, host: '127.0.0.1' });
    await reopened(a, from);
    await a.link.share('large.>').synced;
    await a.link.ping();
    expect(hub.hub.stats().vars).toBeGreaterThanOrEqual(6000);
    expect(a.statuses.slice(from)).toEqual(['reconnecting', 'open']);
    expect(a.traffic.largestFrameSent).toBeLessThan(1024 * 1024);
  });

  test('1% changed while disconnected: only those are sent, each once', async () => {
    const { a, b } = await pair();
    a.resetTraffic();
    b.resetTraffic();
    const changedA = new Set<string>();
    const changedB = new Set<string>();
    await reconnectBoth(a, b, () => {
      for (let i = 0; i < N / 2; i += 100) {
        // several writes each: only the latest may cross
        for (let k = 1; k <= 3; k++) a.space.resolve(`big.a/v${i}`)!.reset(i + k * 1_000_000);
        b.space.resolve(`big.b/v${i}`)!.reset(-i - 1_000_000);
        changedA.add(`big.a/v${i}`);
        changedB.add(`big.b/v${i}`);
      }
    });
    await waitFor(
      () => [...changedA].every((fqn) => b.space.resolve(fqn)!.deref() === Number(fqn.slice(7)) + 3_000_000),
      'a’s changes at b',
    );
    await waitFor(
      () => [...changedB].every((fqn) => a.space.resolve(fqn)!.deref() === -Number(fqn.slice(7)) - 1_000_000),
      'b’s changes at a',
    );

    console.log(
      `resync of ${N} vars, ${changedA.size + changedB.size} changed: values sent ${a.traffic.pubs.length + b.traffic.pubs.length}, ` +
        `received ${a.traffic.upds.length + b.traffic.upds.length}; bytes out ${a.traffic.bytesSent + b.traffic.bytesSent}, in ${a.traffic.bytesReceived + b.traffic.bytesReceived}`,
    );
    expect(a.traffic.pubs.sort()).toEqual([...changedA].sort());
    expect(b.traffic.pubs.sort()).toEqual([...changedB].sort());
    expect(a.traffic.upds.sort()).toEqual([...changedB].sort());
    expect(b.traffic.upds.sort()).toEqual([...changedA].sort());
  }, 30_000);
});

describe('writes made while disconnected', () => {
  test('are kept (latest per var) and merged by stamp on reconnect', async () => {
    const a = await client();
    const b = await client();
    await Promise.all([a.link.sync('w.>').synced, b.link.sync('w.>').synced]);
    for (const name of ['x', 'y', 'z']) a.space.intern(`w/${name}`, 0);
    await a.link.share('w.>').synced;
    await waitFor(() => b.space.match('w/*').length === 3, 'w/* at b');

    const from = a.statuses.length;
    a.proxy.down();
    await waitFor(() => a.link.status$.value === 'reconnecting', 'a offline');
    a.resetTraffic();
    const tick = async () => {
      const t = Date.now();
      await waitFor(() => Date.now() > t + 1, 'the clock to move', 1000, 1);
    };
    // x: three offline writes, only the latest counts
    for (const value of [1, 2, 3]) a.space.resolve('w/x')!.reset(value);
    // y: a's offline write is older than b's later one → b wins
    a.space.resolve('w/y')!.reset('a-old');
    await tick();
    b.space.resolve('w/y')!.reset('b-new');
    // z: b's write is older than a's later offline write → a wins
    await tick();
    b.space.resolve('w/z')!.reset('b-old');
    await b.link.ping();
    await tick();
    a.space.resolve('w/z')!.reset('a-new');
    // a var created offline
    a.space.intern('w/n', 'new');

    a.proxy.up();
    await reopened(a, from);
    await a.link.ping();
    await b.link.ping();
    const expected = { 'w/x': 3, 'w/y': 'b-new', 'w/z': 'a-new', 'w/n': 'new' };
    const values = (space: Space) => Object.fromEntries(Object.keys(expected).map((fqn) => [fqn, space.resolve(fqn)?.deref()]));
    await waitFor(() => JSON.stringify(values(a.space)) === JSON.stringify(expected), 'a merged');
    await waitFor(() => JSON.stringify(values(b.space)) === JSON.stringify(expected), 'b merged');
    expect(values(hub.space)).toEqual(expected);
    // one pub per var written offline (the latest), none repeated
    expect(a.traffic.pubs.sort()).toEqual(['w/n', 'w/x', 'w/y', 'w/z']);
  });

  test('a write that was sent but not confirmed when the connection dropped is sent again', async () => {
    const a = await client();
    const b = await client();
    await b.link.follow('u.>').synced;
    a.link.share('u.>');
    a.proxy.pauseFromClient();
    a.space.intern('u/v', 'unconfirmed');
    await sleep(20); // the pub is in the socket, never read by the hub
    const from = a.statuses.length;
    a.proxy.drop();
    a.proxy.resumeFromClient();
    await reopened(a, from);
    await waitFor(() => b.space.resolve('u/v')?.deref() === 'unconfirmed', 'the write at b');
  });
});

describe('resume points', () => {
  /** A hand-played hub on in-memory transports: the test decides every frame the link gets. */
  function scriptedHub() {
    const connections: { server: Transport; got: any[] }[] = [];
    const factory = async () => {
      const [client, server] = memoryPair();
      const connection = { server, got: [] as any[] };
      connections.push(connection);
      server.listen({
        frame: (frame) => {
          for (const message of JSON.parse(frame)) {
            connection.got.push(message);
            if (message.t === 'hello')
              send(server, { t: 'welcome', version: 1, id: 'me', token: 'secret', hub: 'hub', epoch: 'e1', time: Date.now() });
            if (message.t === 'ping') send(server, { t: 'pong', n: message.n });
          }
        },
        close: () => {},
      });
      return client;
    };
    const send = (server: Transport, ...messages: object[]) => server.send(JSON.stringify(messages));
    return { factory, connections, send, last: () => connections.at(-1)! };
  }
  const upd = (fqn: string, rev: number) => ({
    t: 'upds',
    from: 'other',
    u: [[fqn, `0000000000${rev.toString(16).padStart(2, '0')}0000`, rev, rev]],
  });

  test('a snapshot cut off by a drop does not move the resume point past what it did not deliver', async () => {
    const hubScript = scriptedHub();
    const space = new Space();
    const link = await connect(hubScript.factory, { space, reconnect: FAST, heartbeat: false });
    links.push(link);
    link.follow('s.>');
    await waitFor(() => hubScript.last().got.some((m) => m.t === 'sub'), 'sub');
    hubScript.send(hubScript.last().server, { t: 'subok', sid: 1, rev: 10 });
    hubScript.send(hubScript.last().server, upd('s/x', 11)); // live: the resume point is now 11
    await waitFor(() => space.resolve('s/x')?.deref() === 11, 'x');

    hubScript.last().server.close(1006, 'cut');
    await waitFor(() => hubScript.connections.length === 2 && hubScript.last().got.some((m) => m.t === 'sub'), 'resync sub');
    expect(hubScript.last().got.find((m) => m.t === 'sub')).toMatchObject({ sid: 1, since: 11, epoch: 'e1' });
    // The resync snapshot comes in no revision order; the connection drops before the rest and subok.
    hubScript.send(hubScript.last().server, upd('s/y', 15));
    await waitFor(() => space.resolve('s/y')?.deref() === 15, 'y');
    hubScript.last().server.close(1006, 'cut');
    await waitFor(() => hubScript.connections.length === 3 && hubScript.last().got.some((m) => m.t === 'sub'), 'second resync sub');
    // Still from 11: s/z (rev 12) was never delivered.
    expect(hubScript.last().got.find((m) => m.t === 'sub')).toMatchObject({ sid: 1, since: 11 });
    hubScript.send(hubScript.last().server, upd('s/z', 12), upd('s/y', 15), { t: 'subok', sid: 1, rev: 15 });
    await waitFor(() => space.resolve('s/z')?.deref() === 12, 'z');
    hubScript.send(hubScript.last().server, upd('s/w', 16));
    await waitFor(() => space.resolve('s/w')?.deref() === 16, 'w');
    hubScript.last().server.close(1006, 'cut');
    await waitFor(() => hubScript.connections.length === 4 && hubScript.last().got.some((m) => m.t === 'sub'), 'third resync sub');
    expect(hubScript.last().got.find((m) => m.t === 'sub')).toMatchObject({ sid: 1, since: 16 });
  });

  test('a ping asked on a connection that drops is answered after the reconnect', async () => {
    const hubScript = scriptedHub();
    const link = await connect(hubScript.factory, { space: new Space(), reconnect: FAST, heartbeat: false });
    links.push(link);
    hubScript.connections[0].server.close(1006, 'cut');
    const answered = link.ping();
    await expect(answered).resolves.toEqual(expect.any(Number));
    expect(hubScript.connections.length).toBe(2);
  });

  test('the outbox sends state in the order of the latest writes, so a cut-off flush leaves a prefix', () => {
    const frames: string[] = [];
    const transport: Transport = { isOpen: true, bufferedAmount: 0, send: (f) => frames.push(f), listen() {}, close() {} };
    const outbox = new Outbox(transport, (group) => `{"g":"${group}","e":[`);
    outbox.put('x', '"x1"');
    outbox.put('y', '"y2"');
    outbox.put('x', '"x3"');
    outbox.flush();
    expect(frames).toEqual(['["y2","x3"]']);
    expect(outbox.coalesced).toBe(1);
  });

  test('the outbox batches the entries of a group that follow each other, in order', () => {
    const frames: string[] = [];
    const transport: Transport = { isOpen: true, bufferedAmount: 0, send: (f) => frames.push(f), listen() {}, close() {} };
    const outbox = new Outbox(transport, (group) => `{"g":"${group}","e":[`);
    outbox.put('a', '1', 'p');
    outbox.put('b', '2', 'p');
    outbox.put('c', '3', 'q');
    outbox.put('d', '{"m":4}');
    outbox.put('e', '5', 'p');
    outbox.push('{"m":6}');
    outbox.flush();
    expect(frames.map((frame) => JSON.parse(frame))).toEqual([
      [{ g: 'p', e: [1, 2] }, { g: 'q', e: [3] }, { m: 4 }, { g: 'p', e: [5] }, { m: 6 }],
    ]);
    expect(outbox.sent).toBe(6);
  });

  test('an outbox that sends lone writes at once: the first write of a tick leaves now, the rest of the tick in one frame after it', async () => {
    const frames: string[] = [];
    const transport: Transport = { isOpen: true, bufferedAmount: 0, send: (f) => frames.push(f), listen() {}, close() {} };
    let marks = 0;
    const outbox = new Outbox(transport, (group) => `{"g":"${group}","e":[`, {
      sendLoneAtOnce: true,
      beforeFlush: () => outbox.push(`{"mark":${++marks}}`),
    });
    outbox.put('a', '1', 'p');
    // sent within the call, with what the flush hook adds
    expect(frames.map((frame) => JSON.parse(frame))).toEqual([[{ g: 'p', e: [1] }, { mark: 1 }]]);
    outbox.put('b', '2', 'p');
    outbox.put('a', '3', 'p');
    outbox.put('c', '4', 'p');
    expect(frames).toHaveLength(1);
    await Promise.resolve();
    expect(frames.map((frame) => JSON.parse(frame))).toEqual([
      [{ g: 'p', e: [1] }, { mark: 1 }],
      [{ g: 'p', e: [2, 3, 4] }, { mark: 2 }],
    ]);
    // a later tick starts over with a lone write
    await new Promise((resolve) => setImmediate(resolve));
    outbox.put('d', '5', 'p');
    expect(frames).toHaveLength(3);
    expect(JSON.parse(frames[2])).toEqual([{ g: 'p', e: [5] }, { mark: 3 }]);
    expect(outbox.sent).toBe(8);
  });

  test('an outbox that sends lone writes at once still queues them behind a backed-up socket, and behind messages already waiting', async () => {
    const frames: string[] = [];
    let buffered = 2 << 20;
    let open = true;
    const transport: Transport = {
      get isOpen() {
        return open;
      },
      get bufferedAmount() {
        return buffered;
      },
      send: (f) => frames.push(f),
      listen() {},
      close() {},
    };
    const outbox = new Outbox(transport, (group) => `{"g":"${group}","e":[`, { sendLoneAtOnce: true });
    // a backed-up socket: the write waits, and coalesces with the next
    outbox.put('a', '1', 'p');
    outbox.put('a', '2', 'p');
    await Promise.resolve();
    expect(frames).toEqual([]);
    buffered = 0;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the outbox looks again when the socket drained
    expect(frames.map((frame) => JSON.parse(frame))).toEqual([[{ g: 'p', e: [2] }]]);
    // a message left waiting by a flush that found the transport closed (no flush is pending now)
    open = false;
    outbox.push('{"ping":1}');
    await Promise.resolve();
    open = true;
    outbox.put('b', '3', 'p');
    expect(frames).toHaveLength(1); // not sent ahead of the waiting message
    await Promise.resolve();
    expect(frames.map((frame) => JSON.parse(frame)).slice(1)).toEqual([[{ g: 'p', e: [3] }, { ping: 1 }]]);
  });
});
