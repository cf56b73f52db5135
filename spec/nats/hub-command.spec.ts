// `varspace hub --nats <url> [--bucket <name>]`: two hubs started like the CLI does share one space.
import { Space } from '../../src/core/space.js';
import { ValidationError } from '../../src/core/errors.js';
import { hubCommand } from '../../src/cli/hub-command.js';
import { connect } from '../../src/sync/connect-node.js';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { waitFor } from '../sync/net-helpers.js';

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats.close();
});

test('two hubs given --nats and one --bucket share the space; the log line names them', async () => {
  const lines: string[] = [];
  const a = await hubCommand({ port: 0, host: '127.0.0.1', nats: [nats.url], bucket: 'cli' }, (line) => lines.push(line));
  const b = await hubCommand({ port: 0, host: '127.0.0.1', nats: [nats.url], bucket: 'cli' }, () => {});
  try {
    expect(JSON.parse(lines[0])).toMatchObject({ event: 'listening', nats: [nats.url], bucket: 'cli', epoch: b.hub.store.epoch });
    const writer = await connect(a.url, { space: new Space(), reconnect: false });
    const space = new Space();
    const reader = await connect(b.url, { space, reconnect: false });
    await reader.follow('cli.>').synced;
    const ack = await writer.set('cli.x/y', 'shared');
    await waitFor(() => space.resolve('cli.x/y')?.getValue() === 'shared', 'the write to reach hub B’s follower');
    expect(reader.revision('cli.x/y')).toBe(ack.rev);
    await writer.close();
    await reader.close();
  } finally {
    await a.close();
    await b.close();
  }
});

test('--nats with --data, or --bucket alone, is refused before anything starts', async () => {
  await expect(hubCommand({ port: 0, host: '127.0.0.1', nats: [nats.url], data: '/tmp/x' }, () => {})).rejects.toBeInstanceOf(
    ValidationError,
  );
  await expect(hubCommand({ port: 0, host: '127.0.0.1', bucket: 'b' }, () => {})).rejects.toBeInstanceOf(ValidationError);
});
