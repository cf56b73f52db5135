import { startHub, type HubHandle, type StartHubOptions } from '../../src/index.js';

/**
 * A hub on 127.0.0.1 and a port the OS picks, added to `opened` so that the test's `afterEach`
 * closes it.
 */
export async function loopbackHub(opened: { close(): unknown }[], options: StartHubOptions = {}): Promise<HubHandle> {
  const hub = await startHub({ port: 0, host: '127.0.0.1', ...options });
  opened.push(hub);
  return hub;
}
