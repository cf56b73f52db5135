// Services at the raw protocol over a real loopback WebSocket: malformed frames get a typed err and
// change nothing, replies are taken only from the server that was asked, request ids are each
// requester's own, cancels cross to the server.
import { NameError, ValidationError } from '../../src/index.js';
import { loopbackHub } from '../support/loopback-hub.js';
import { rawClient, type RawClient } from './raw-client.js';

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const each of opened.splice(0).reverse()) await each.close();
});

async function clients(count: number): Promise<RawClient[]> {
  const hub = await loopbackHub(opened);
  const list: RawClient[] = [];
  for (let i = 0; i < count; i++) {
    const client = await rawClient(hub.url, opened);
    await client.hello();
    list.push(client);
  }
  return list;
}

const ofType = (client: RawClient, t: string) => client.received.filter((m) => m.t === t);

describe('services at the raw protocol', () => {
  it('malformed service frames get a typed err and change nothing', async () => {
    const [server, requester] = await clients(2);
    const bad = [
      { t: 'svadd', sv: -1, name: 'calc/add' },
      { t: 'svadd', sv: 1 },
      { t: 'svadd', sv: 1, name: 'calc/add', queue: '' },
      { t: 'svdel', sv: 'x' },
      { t: 'rq', id: 1.5, fqn: 'calc/add' },
      { t: 'rq', id: 1, fqn: '' },
      { t: 'rqx' },
      { t: 'rp', id: 'one' },
      { t: 'rperr', id: 1, code: '', message: 'x' },
      { t: 'rperr', id: 1, code: 'X', message: 'x'.repeat(5000) },
    ];
    for (const message of bad) server.send([message]);
    await server.until(() => ofType(server, 'err').length === bad.length);
    expect(ofType(server, 'err').every((m) => m.code === 'VS_BAD_FRAME')).toBe(true);
    // nothing was registered
    requester.send([{ t: 'rq', id: 1, fqn: 'calc/add', value: 1 }]);
    const refusal = await requester.next('rperr');
    expect(refusal).toMatchObject({ id: 1, code: 'VS_NO_RESPONDERS' });
    // a bad name and a reserved one are refused with svno
    server.send([
      { t: 'svadd', sv: 2, name: 'calc/a b' },
      { t: 'svadd', sv: 3, name: '$sys.x/y' },
    ]);
    await server.until(() => ofType(server, 'svno').length === 2);
    expect(ofType(server, 'svno').map((m) => [m.sv, m.code])).toEqual([
      [2, 'VS_BAD_NAME'],
      [3, 'VS_RESERVED_NAME'],
    ]);
    requester.send([{ t: 'rq', id: 2, fqn: 'bad name/x' }]);
    await requester.until(() => ofType(requester, 'rperr').length === 2);
    expect(ofType(requester, 'rperr')[1]).toMatchObject({ id: 2, code: 'VS_BAD_NAME' });
  });

  it('request ids are the requester’s own; a reply from an instance that was not asked is dropped', async () => {
    const [server, a, b, spoofer] = await clients(4);
    server.send([{ t: 'svadd', sv: 7, name: 'echo/*' }]);
    await server.next('svok');
    // two requesters use the same id at once
    a.send([{ t: 'rq', id: 1, fqn: 'echo/x', value: 'from a' }]);
    b.send([{ t: 'rq', id: 1, fqn: 'echo/x', value: 'from b' }]);
    await server.until(() => ofType(server, 'rqin').length === 2);
    const [first, second] = ofType(server, 'rqin');
    expect(first.id).not.toBe(second.id);
    expect(first).toMatchObject({ sv: 7, fqn: 'echo/x' });
    // a spoofed reply to the first: dropped
    spoofer.send([{ t: 'rp', id: first.id, value: 'spoofed' }]);
    spoofer.send([{ t: 'rperr', id: second.id, code: 'X', message: 'spoofed' }]);
    spoofer.send([{ t: 'ping', n: 1 }]);
    await spoofer.next('pong');
    // the server answers each
    for (const request of [first, second]) server.send([{ t: 'rp', id: request.id, value: `echo ${request.value}` }]);
    await a.next('rp');
    await b.next('rp');
    const replies = [...ofType(a, 'rp'), ...ofType(b, 'rp')];
    expect(replies.map((m) => [m.id, m.value]).sort()).toEqual([
      [1, 'echo from a'],
      [1, 'echo from b'],
    ]);
    // a second reply to an answered request is dropped too
    server.send([{ t: 'rp', id: first.id, value: 'again' }]);
    server.send([{ t: 'ping', n: 2 }]);
    await server.until(() => ofType(server, 'pong').length === 1);
    a.send([{ t: 'ping', n: 3 }]);
    await a.next('pong');
    expect(ofType(a, 'rp')).toHaveLength(1);
    expect(ofType(spoofer, 'rp')).toHaveLength(0);
  });

  it('a duplicate id in flight is refused; a cancel crosses to the server; a handler error is remote', async () => {
    const [server, requester] = await clients(2);
    server.send([{ t: 'svadd', sv: 1, name: 'slow/op', queue: 'q' }]);
    await server.next('svok');
    requester.send([{ t: 'rq', id: 5, fqn: 'slow/op' }]);
    await server.next('rqin');
    requester.send([{ t: 'rq', id: 5, fqn: 'slow/op' }]);
    const err = await requester.next('err');
    expect(err.code).toBe('VS_BAD_FRAME');
    expect(ofType(server, 'rqin')).toHaveLength(1);
    requester.send([{ t: 'rqx', id: 5 }]);
    const cancel = await server.next('rqx');
    expect(cancel.id).toBe(ofType(server, 'rqin')[0].id);
    requester.send([{ t: 'rq', id: 6, fqn: 'slow/op', value: 2 }]);
    await server.until(() => ofType(server, 'rqin').length === 2);
    server.send([{ t: 'rperr', id: ofType(server, 'rqin')[1].id, code: 'E_BUSY', message: 'busy' }]);
    const refusal = await requester.next('rperr');
    expect(refusal).toEqual({ t: 'rperr', id: 6, code: 'E_BUSY', message: 'busy', remote: true });
  });

  it('the serving instance leaving answers its requests with VS_CLOSED at once; services appear in $sys.services', async () => {
    const [server, requester, watcher] = await clients(3);
    server.send([{ t: 'svadd', sv: 1, name: 'slow/op' }]);
    await server.next('svok');
    watcher.send([{ t: 'sub', sid: 1, pattern: '$sys.services/*' }]);
    await watcher.next('subok');
    const snapshot = ofType(watcher, 'upds').flatMap((m) => m.u);
    expect(snapshot.some((entry: any[]) => entry[3]?.[0]?.name === 'slow/op')).toBe(true);
    requester.send([{ t: 'rq', id: 1, fqn: 'slow/op' }]);
    await server.next('rqin');
    server.socket.close();
    const closed = await requester.next('rperr');
    expect(closed).toMatchObject({ id: 1, code: 'VS_CLOSED' });
    const gone = await watcher.next('gone');
    expect(gone.fqn).toMatch(/^\$sys\.services\//);
  });

  it('access rules take `publish` and `serve` pattern lists, checked at startHub', async () => {
    await expect(loopbackHub(opened, { authorize: { x: { serve: ['a b'] } } })).rejects.toBeInstanceOf(NameError);
    await expect(loopbackHub(opened, { authorize: { x: { publish: ['ui.>', 'a.>.b'] } } })).rejects.toBeInstanceOf(NameError);
    await expect(loopbackHub(opened, { authorize: { x: { serve: 'calc.>' } } as never })).rejects.toBeInstanceOf(ValidationError);
    const hub = await loopbackHub(opened, { authorize: { '*': { publish: ['calc.>'], serve: ['calc/*'] } } });
    const client = await rawClient(hub.url, opened);
    await client.hello();
    client.send([
      { t: 'svadd', sv: 1, name: 'calc/add' },
      { t: 'svadd', sv: 2, name: 'other/x' },
      { t: 'rq', id: 1, fqn: 'other/x' },
      { t: 'rq', id: 2, fqn: 'calc/add', value: 1 },
    ]);
    await client.until(() => ofType(client, 'rperr').length === 1 && ofType(client, 'rqin').length === 1);
    expect(ofType(client, 'svok').map((m) => m.sv)).toEqual([1]);
    expect(ofType(client, 'svno')).toMatchObject([{ sv: 2, code: 'VS_FORBIDDEN' }]);
    expect(ofType(client, 'rperr')).toMatchObject([{ id: 1, code: 'VS_FORBIDDEN' }]);
    expect(ofType(client, 'rqin')).toMatchObject([{ sv: 1, fqn: 'calc/add', value: 1, from: expect.any(String) }]);
  });
});
