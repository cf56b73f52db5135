import { Space, connect, memoryPair, startHub, type HubHandle } from '../../src/index.js';

let hub: HubHandle;
beforeAll(async () => {
  hub = await startHub({ port: 0, host: '127.0.0.1' });
});
afterAll(() => hub.close());

test('unknown connect options, wrong types and un-awaited values are refused with VS_INVALID_VALUE before anything opens', async () => {
  const space = new Space();
  const refusals: Array<[unknown, RegExp]> = [
    [{ space, reconect: false }, /unknown key "reconect"/],
    [{ space, reconnect: 'yes' }, /reconnect/],
    [{ space, reconnect: { maxAttempts: 3, retries: 1 } }, /retries/],
    [{ space, attributes: { appName: 7 } }, /attributes/],
    [{ space, welcomeTimeoutMs: -1 }, /welcomeTimeoutMs/],
    [{ space, connectTimeoutMs: 0 }, /connectTimeoutMs/],
    [{ space, heartbeat: { intervalMs: 'often' } }, /heartbeat/],
    [{ space, token: 42 }, /token/],
    [{ space: {} }, /space: expected a Space/],
    [{ space: Promise.resolve(space) }, /space: .*did you forget await\?/],
    [{ space, token: Promise.resolve('t') }, /token: .*did you forget await\?/],
  ];
  for (const [bad, message] of refusals) {
    await expect(connect(hub.url, bad as never)).rejects.toMatchObject({
      code: 'VS_INVALID_VALUE',
      message: expect.stringMatching(message),
    });
  }
  expect(hub.stats().connections).toBe(0);
});

test('a connect target that is no hub URL, or an un-awaited transport, is refused with VS_INVALID_VALUE (not VS_CLOSED)', async () => {
  const space = new Space();
  for (const url of ['not-a-url', 'ftp://127.0.0.1:7070', '127.0.0.1:7070']) {
    await expect(connect(url, { space })).rejects.toMatchObject({
      code: 'VS_INVALID_VALUE',
      message: expect.stringContaining('not a hub URL'),
    });
  }
  const [client, server] = memoryPair();
  await expect(connect(Promise.resolve(client) as never, { space })).rejects.toMatchObject({
    code: 'VS_INVALID_VALUE',
    message: expect.stringMatching(/did you forget await\?/),
  });
  await expect(connect({ send() {} } as never, { space })).rejects.toMatchObject({
    code: 'VS_INVALID_VALUE',
    message: expect.stringMatching(/Transport/),
  });
  client.close();
  server.close();
});

test('the options of the hub hardening are accepted: connectTimeoutMs', async () => {
  const link = await connect(hub.url, {
    space: new Space(),
    reconnect: { maxAttempts: 2, onRetry: () => {} },
    ...({ connectTimeoutMs: 5_000 } as object),
  });
  expect(link.instanceId).toEqual(expect.any(String));
  await link.close();
});
