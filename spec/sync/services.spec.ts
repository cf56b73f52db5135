// Services (request/reply) between links over real loopback WebSockets: replies, every error a
// request can end with, queue groups, withdrawal, disconnects, aborts crossing the wire, access
// rules, app-type contracts, services$ and requestMap.
import { from, lastValueFrom, toArray } from 'rxjs';
import { z } from 'zod';
import {
  AbortedError,
  ClosedError,
  ForbiddenError,
  NoRespondersError,
  RemoteError,
  Space,
  TimeoutError,
  ValidationError,
  connect,
  defineAppType,
  requestMap,
  type HubHandle,
  type Link,
  type ServiceEvent,
  type StartHubOptions,
} from '../../src/index.js';
import { loopbackHub } from '../support/loopback-hub.js';
import { TcpProxy, sleep, waitFor } from './net-helpers.js';

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const each of opened.splice(0).reverse()) await each.close();
});

async function hubAndLinks(count: number, options: StartHubOptions = {}, tokens: (string | undefined)[] = []) {
  const hub = await loopbackHub(opened, options);
  const links: Link[] = [];
  for (let i = 0; i < count; i++) links.push(await open(hub, tokens[i]));
  return { hub, links };
}

async function open(hub: HubHandle, token?: string, attributes?: Record<string, string>): Promise<Link> {
  const link = await connect(hub.url, { space: new Space(), reconnect: false, token, attributes });
  opened.push(link);
  return link;
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('request/reply', () => {
  it('answers a request with the handler value, tagged with the requester', async () => {
    const {
      links: [server, client],
    } = await hubAndLinks(2);
    const seen: unknown[] = [];
    await server.serve<[number, number], number>('calc/add', (request) => {
      seen.push(request);
      return request.value[0] + request.value[1];
    }).ready;
    expect(await client.request<number>('calc/add', [2, 3])).toBe(5);
    expect(seen).toEqual([{ value: [2, 3], fqn: 'calc/add', from: client.instanceId, stamp: expect.stringMatching(/^[0-9a-f]{16}$/) }]);
    // a promise, and no payload
    await server.serve('calc/later', async () => 'later').ready;
    expect(await client.request('calc/later')).toBe('later');
    expect(client.space.resolve('calc/add')).toBeUndefined(); // a service is no var
  });

  it('rejects at once with NoRespondersError when nobody serves the name', async () => {
    const {
      links: [client],
    } = await hubAndLinks(1);
    const error = await rejection(client.request('nobody/here', 1, { timeoutMs: 60_000 }));
    expect(error).toBeInstanceOf(NoRespondersError);
    expect(error.code).toBe('VS_NO_RESPONDERS');
  });

  it('rejects with RemoteError carrying the handler code and message, never its stack', async () => {
    const {
      links: [server, client],
    } = await hubAndLinks(2);
    await server.serve('calc/div', ({ value }) => {
      const [a, b] = value as [number, number];
      if (b === 0) throw Object.assign(new Error('division by zero'), { code: 'DIV_ZERO' });
      return a / b;
    }).ready;
    await server.serve('calc/typed', () => {
      throw new ValidationError('bad input');
    }).ready;
    const error = await rejection(client.request('calc/div', [1, 0]));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.code).toBe('VS_REMOTE');
    expect(error.remoteCode).toBe('DIV_ZERO');
    expect(error.message).toBe('division by zero');
    expect(JSON.stringify(error.details)).not.toContain('at ');
    const typed = await rejection(client.request('calc/typed'));
    expect(typed.remoteCode).toBe('VS_INVALID_VALUE');
    expect(await client.request('calc/div', [6, 3])).toBe(2);
  });

  it('times out with TimeoutError, and the handler sees its signal abort', async () => {
    const {
      links: [server, client],
    } = await hubAndLinks(2);
    let aborted: unknown;
    await server.serve(
      'slow/op',
      (_request, { signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve((aborted = signal.reason)))),
    ).ready;
    const error = await rejection(client.request('slow/op', 1, { timeoutMs: 50 }));
    expect(error).toBeInstanceOf(TimeoutError);
    await waitFor(() => aborted !== undefined, 'the abort crossed');
    expect(aborted).toBeInstanceOf(AbortedError);
  });

  it('an abort rejects with AbortedError and crosses the wire to the handler', async () => {
    const {
      links: [server, client],
    } = await hubAndLinks(2);
    let started = false;
    let aborted = false;
    await server.serve('slow/op', (_request, { signal }) => {
      started = true;
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve((aborted = true))));
    }).ready;
    const controller = new AbortController();
    const pending = client.request('slow/op', 1, { signal: controller.signal });
    await waitFor(() => started, 'the handler started');
    controller.abort();
    expect(await rejection(pending)).toBeInstanceOf(AbortedError);
    await waitFor(() => aborted, 'the handler signal aborted');
    // an aborted signal refuses at once
    expect(await rejection(client.request('slow/op', 1, { signal: controller.signal }))).toBeInstanceOf(AbortedError);
  });

  it('rejects promptly with ClosedError when the serving instance disconnects mid-request', async () => {
    const {
      links: [server, client],
    } = await hubAndLinks(2);
    let started = false;
    await server.serve('slow/op', () => {
      started = true;
      return new Promise(() => {});
    }).ready;
    const pending = client.request('slow/op', 1, { timeoutMs: 60_000 });
    await waitFor(() => started, 'the handler started');
    const before = Date.now();
    await server.close();
    const error = await rejection(pending);
    expect(error).toBeInstanceOf(ClosedError);
    expect(Date.now() - before).toBeLessThan(30_000); // far below the 60 s timeout
  });

  it('rejects with ClosedError when the requester link closes, and refuses requests after', async () => {
    const {
      links: [server, client],
    } = await hubAndLinks(2);
    await server.serve('slow/op', () => new Promise(() => {})).ready;
    const pending = client.request('slow/op', 1, { timeoutMs: 60_000 });
    await client.close();
    expect(await rejection(pending)).toBeInstanceOf(ClosedError);
    expect(await rejection(client.request('slow/op'))).toBeInstanceOf(ClosedError);
    expect(await rejection(client.serve('late/op', () => 0).ready)).toBeInstanceOf(ClosedError);
  });

  it('a queue group: each request goes to exactly one live member, in turn', async () => {
    const { hub, links } = await hubAndLinks(3);
    const [a, b, client] = links;
    const served: string[] = [];
    await a.serve('work/job', ({ value }) => (served.push(`a${value}`), 'a')).ready;
    await b.serve('work/job', ({ value }) => (served.push(`b${value}`), 'b')).ready;
    const replies: unknown[] = [];
    for (let i = 0; i < 6; i++) replies.push(await client.request('work/job', i));
    expect(replies).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(served).toHaveLength(6);
    await b.close();
    const c = await open(hub);
    await c.serve('work/*', () => 'c', { queue: 'work/job' }).ready;
    const after: unknown[] = [];
    for (let i = 0; i < 4; i++) after.push(await client.request('work/job', i));
    expect(after.sort()).toEqual(['a', 'a', 'c', 'c']);
  });

  it('unsubscribe withdraws the service; a request in flight still answers', async () => {
    const {
      links: [server, client],
    } = await hubAndLinks(2);
    let release: (value: string) => void = () => {};
    let started = false;
    const served = server.serve('slow/op', () => {
      started = true;
      return new Promise<string>((resolve) => (release = resolve));
    });
    await served.ready;
    const pending = client.request('slow/op');
    await waitFor(() => started, 'the handler started');
    served.unsubscribe();
    await server.ping();
    expect(await rejection(client.request('slow/op'))).toBeInstanceOf(NoRespondersError);
    release('still answered');
    expect(await pending).toBe('still answered');
  });

  it('re-registers services on reconnect', async () => {
    const hub = await loopbackHub(opened);
    const proxy = await TcpProxy.start(hub.port);
    opened.push(proxy);
    const server = await connect(`ws://127.0.0.1:${proxy.port}`, { space: new Space(), reconnect: { initialDelayMs: 5, maxDelayMs: 40 } });
    opened.push(server);
    const client = await open(hub);
    await server.serve('echo/it', ({ value }) => value).ready;
    expect(await client.request('echo/it', 1)).toBe(1);
    // Recorded, not polled: with a 5 ms backoff the link may be open again before a poll sees it reconnecting.
    const statuses: string[] = [];
    const watching = server.status$.subscribe((status) => statuses.push(status));
    proxy.drop();
    await waitFor(() => statuses.includes('reconnecting'), 'the server lost its connection');
    await waitFor(() => statuses.lastIndexOf('open') > statuses.indexOf('reconnecting'), 'the server reconnected');
    watching.unsubscribe();
    await server.ping();
    expect(await client.request('echo/it', 2)).toBe(2);
  });

  it('the requester losing its connection rejects what it had sent (at most once); a request made while away is sent after the welcome', async () => {
    const hub = await loopbackHub(opened);
    const proxy = await TcpProxy.start(hub.port);
    opened.push(proxy);
    const server = await open(hub);
    const client = await connect(`ws://127.0.0.1:${proxy.port}`, { space: new Space(), reconnect: { initialDelayMs: 5, maxDelayMs: 40 } });
    opened.push(client);
    const handled: unknown[] = [];
    await server.serve('slow/op', ({ value }) => {
      handled.push(value);
      return value === 'hang' ? new Promise(() => {}) : value;
    }).ready;
    const sent = client.request('slow/op', 'hang', { timeoutMs: 60_000 });
    await waitFor(() => handled.length === 1, 'the handler got it');
    proxy.down();
    proxy.drop();
    expect(await rejection(sent)).toBeInstanceOf(ClosedError);
    const later = client.request('slow/op', 'while away', { timeoutMs: 60_000 });
    await sleep(30);
    expect(handled).toEqual(['hang']);
    proxy.up();
    expect(await later).toBe('while away');
    expect(handled).toEqual(['hang', 'while away']);
  });

  it('access rules: serve needs `serve`, request needs `publish` (ForbiddenError)', async () => {
    const authenticate = ({ token }: { token?: string }) => (token ? { name: token } : undefined);
    const { links } = await hubAndLinks(
      3,
      {
        authenticate,
        authorize: { server: { serve: ['calc.>'] }, client: { publish: ['calc/add'] } },
      } as StartHubOptions,
      ['server', 'client', 'client'],
    );
    const [server, client, other] = links;
    await server.serve('calc/add', () => 1).ready;
    await server.serve('calc/mul', () => 2).ready;
    const refused = await rejection(other.serve('calc/add', () => 3).ready);
    expect(refused).toBeInstanceOf(ForbiddenError);
    expect(await client.request('calc/add')).toBe(1);
    expect(await rejection(client.request('calc/mul'))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(server.serve('admin/x', () => 0).ready)).toBeInstanceOf(ForbiddenError);
  });

  it('app types: the hub checks requests and replies against the service contract (VS_INVALID_VALUE)', async () => {
    const Calc = defineAppType('calc-server', {}, { services: { add: { request: z.tuple([z.number(), z.number()]), reply: z.number() } } });
    const hub = await loopbackHub(opened, { appTypes: [Calc] });
    const server = await open(hub, undefined, { appType: 'calc-server' });
    const client = await open(hub);
    let lie = false;
    await server.serve<[number, number], unknown>('calc/add', ({ value: [a, b] }) => (lie ? 'not a number' : a + b)).ready;
    expect(await client.request('calc/add', [1, 2])).toBe(3);
    expect(await rejection(client.request('calc/add', ['1', 2]))).toBeInstanceOf(ValidationError);
    lie = true;
    const error = await rejection(client.request('calc/add', [1, 2]));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('VS_INVALID_VALUE');
    expect(() => defineAppType('x', {}, { services: { add: { request: 1 } as never } })).toThrow(ValidationError);
  });

  it('services$: the current set, then added and removed, with instance ids and queue groups', async () => {
    const {
      links: [server, watcher],
    } = await hubAndLinks(2);
    await server.serve('calc/add', () => 1).ready;
    const events: ServiceEvent[] = [];
    const subscription = watcher.services$('calc.>').subscribe((event) => events.push(event));
    opened.push({ close: () => subscription.unsubscribe() });
    await waitFor(() => events.length === 1, 'the current set');
    expect(events[0]).toEqual({ type: 'current', services: [{ name: 'calc/add', queue: 'calc/add', instanceId: server.instanceId }] });
    const mul = server.serve('calc/mul', () => 2, { queue: 'muls' });
    await mul.ready;
    await server.serve('other/x', () => 0).ready;
    await waitFor(() => events.length === 2, 'added');
    expect(events[1]).toEqual({ type: 'added', service: { name: 'calc/mul', queue: 'muls', instanceId: server.instanceId } });
    mul.unsubscribe();
    await waitFor(() => events.length === 3, 'removed');
    expect(events[2]).toEqual({ type: 'removed', service: { name: 'calc/mul', queue: 'muls', instanceId: server.instanceId } });
    await server.close();
    await waitFor(() => events.length === 4, 'removed on leave');
    expect(events[3]).toEqual({ type: 'removed', service: { name: 'calc/add', queue: 'calc/add', instanceId: server.instanceId } });
    await sleep(20);
    expect(events).toHaveLength(4);
  });

  it('requestMap maps each value to its reply, in order, one at a time', async () => {
    const {
      links: [server, client],
    } = await hubAndLinks(2);
    let inFlight = 0;
    let most = 0;
    await server.serve<number, number>('calc/square', async ({ value }) => {
      most = Math.max(most, ++inFlight);
      await sleep(value % 2 === 0 ? 10 : 1);
      inFlight--;
      return value * value;
    }).ready;
    const squares = await lastValueFrom(from([1, 2, 3, 4]).pipe(requestMap<number, number>(client, 'calc/square'), toArray()));
    expect(squares).toEqual([1, 4, 9, 16]);
    expect(most).toBe(1);
    await expect(lastValueFrom(from([1]).pipe(requestMap(client, 'calc/none')))).rejects.toBeInstanceOf(NoRespondersError);
  });

  it('counts requests in and out in the hub stats', async () => {
    const {
      hub,
      links: [server, client],
    } = await hubAndLinks(2);
    await server.serve('echo/it', ({ value }) => value).ready;
    await client.request('echo/it', 1);
    const stats = hub.stats();
    expect(stats.requestsIn).toBe(2); // the request, the reply
    expect(stats.requestsOut).toBe(2); // rqin, rp
  });
});
