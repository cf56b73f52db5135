/**
 * The conformance suite inside a `worker_threads` Worker (started through worker-boot.mjs). The
 * worker has no network of its own here: each link it opens asks the main thread for a new
 * `MessagePort`, whose other end the main thread hands to its hub (`hub.accept`). When the cases
 * are done, the worker posts `{ type: 'results', results }` and closes its control port.
 *
 * Control messages (on `workerData.control`):
 * - worker → main `{ type: 'port-request', id }`; main → worker `{ type: 'port', id, port }`;
 * - worker → main `{ type: 'results', results }`.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import * as api from '../../src/index.js';
import { runCases, type ConformanceEnv } from './cases.js';

const { control } = workerData as { control: MessagePort };
const waiting = new Map<number, (port: MessagePort) => void>();
let nextId = 1;
control.on('message', (message: { type: string; id: number; port: MessagePort }) => {
  if (message.type === 'port') waiting.get(message.id)?.(message.port);
  waiting.delete(message.id);
});

/** A new transport to the main thread's hub, over a fresh `MessagePort`. */
function openTransport() {
  const id = nextId++;
  return new Promise<MessagePort>((resolve) => {
    waiting.set(id, resolve);
    control.postMessage({ type: 'port-request', id });
  }).then((port) => api.messagePortTransport(port));
}

const env: ConformanceEnv = { api, runtime: 'worker', transport: openTransport };
const results = await runCases(env);
control.postMessage({ type: 'results', results });
control.close();
