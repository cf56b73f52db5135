// The little protocol between a bench and its child processes: the parent sends
// `{ id, cmd, ...params }` over the IPC channel, the child answers `{ id, ok, result | error }`.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Milliseconds on the machine's monotonic clock (CLOCK_MONOTONIC: the same in every process). */
export function hrMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Yields to the event loop (lets the outbox flush and sockets write). */
export function yieldLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type Handler = (message: Record<string, any>) => unknown;

/**
 * Child side: answers the parent's commands; exits when the parent goes away or says `exit`.
 * Every child also answers `cpu` (CPU time used so far, ms).
 */
export function serve(handlers: Record<string, Handler>): void {
  process.on('message', async (message: Record<string, any>) => {
    if (message.cmd === 'exit') {
      process.send?.({ id: message.id, ok: true, result: null }, () => process.exit(0));
      return;
    }
    if (message.cmd === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ id: message.id, ok: true, result: (user + system) / 1000 });
      return;
    }
    try {
      const handler = handlers[message.cmd];
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      const result = await handler(message);
      process.send?.({ id: message.id, ok: true, result });
    } catch (error) {
      process.send?.({ id: message.id, ok: false, error: String((error as Error)?.stack ?? error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** Parent side: one child process running `bench/processes/<script>.ts` (or an absolute path) under tsx. */
export class Child {
  private readonly proc: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();
  private readonly exited: Promise<void>;

  constructor(
    readonly script: string,
    options: { profileDir?: string; args?: string[] } = {},
  ) {
    const file = script.startsWith('/') ? script : fileURLToPath(new URL(`./${script}.ts`, import.meta.url));
    const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
    // BENCH_NODE_ARGS: extra node flags for every child (e.g. `--trace-gc`).
    const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    this.proc = spawn(process.execPath, [...profile, ...extra, '--import', 'tsx', file, ...(options.args ?? [])], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    this.proc.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${script}: ${message.error}`));
    });
    this.exited = new Promise((resolve) =>
      this.proc.on('exit', (code, signal) => {
        for (const waiter of this.waiting.values()) waiter.reject(new Error(`${script} exited (${code ?? signal})`));
        this.waiting.clear();
        resolve();
      }),
    );
  }

  /** Sends a command and resolves with the child's answer. */
  call<R = any>(cmd: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.script}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({ id, cmd, ...params });
    });
  }

  /** Asks the child to exit (so a CPU profile gets written), killing it if it does not. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 5_000);
    try {
      await this.call('exit', {}, 5_000);
    } catch {
      // already gone
    }
    await this.exited;
    clearTimeout(killer);
  }
}
