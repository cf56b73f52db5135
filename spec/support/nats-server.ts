// A real nats-server with JetStream for the specs (and benches) that need one: its own port (the
// server picks it) and its own store directory, removed on stop.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's nats-server package puts the binary (override with NATS_SERVER). */
export const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';
const START_TIMEOUT_MS = 10_000;

/**
 * Starts `nats-server -js` on 127.0.0.1 (a port it picks) with a fresh store directory, and
 * resolves once it accepts clients.
 * @throws rejects when the binary is missing, exits early, or is not ready within 10 s.
 * @example
 * const nats = await startNatsServer();
 * const store = await natsStore({ servers: nats.url });
 * await nats.stop();
 */
export async function startNatsServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'varspace-nats-'));
  const child = spawn(NATS_SERVER, ['-js', '-a', '127.0.0.1', '-p', '-1', '-sd', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let log = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server not ready within ${START_TIMEOUT_MS} ms:\n${log}`)), START_TIMEOUT_MS);
      child.once('error', (error) => (clearTimeout(timer), reject(error)));
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`nats-server exited (${code}):\n${log}`))));
      child.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const port = /Listening for client connections on [\d.]+:(\d+)/.exec(log)?.[1];
        if (port && log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve(`nats://127.0.0.1:${port}`);
        }
      });
    });
    child.stderr!.removeAllListeners('data');
    child.stderr!.resume(); // keep draining its log, so that it never blocks on a full pipe
    return {
      url,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
