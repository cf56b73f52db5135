// The fuzzed hub as its parent sees it: a forked process that may crash, with its stderr read
// line by line and a small request/answer channel over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./hub-process.ts', import.meta.url));

/** A hub record as the child reports it (null: the hub holds no live value). */
export type HubRecord = { value: unknown; stamp: string; from: string } | null;

/**
 * The hub process of a fuzz run. `exit` is set once it exited (a crash unless {@link HubChild.stop}
 * asked for it); `onStderr` sees every line it writes to stderr.
 * @example const hub = await HubChild.start((line) => console.error(line)); await hub.stop();
 */
export class HubChild {
  exit: { code: number | null; signal: string | null } | undefined;
  private stopping = false;
  private nextId = 1;
  private readonly waiting = new Map<number, (answer: any) => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.on('message', (answer: { id?: number }) => {
      if (answer.id === undefined) return;
      this.waiting.get(answer.id)?.(answer);
      this.waiting.delete(answer.id);
    });
    child.on('exit', (code, signal) => {
      this.exit = { code, signal };
      for (const resolve of this.waiting.values()) resolve(undefined);
      this.waiting.clear();
    });
  }

  /**
   * Forks the hub and waits for its URL.
   * @throws when the hub does not start within 20 s or exits first.
   */
  static start(onStderr: (line: string) => void): Promise<HubChild> {
    const child = fork(SCRIPT, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    createInterface({ input: child.stderr! }).on('line', onStderr);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the fuzzed hub did not start within 20 s'));
      }, 20_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the fuzzed hub exited (${code}) before listening`));
      });
      child.once('message', (first: { url: string }) => {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(new HubChild(child, first.url));
      });
    });
  }

  /** True once the hub exited without being asked to. */
  get crashed(): boolean {
    return this.exit !== undefined && !this.stopping;
  }

  /** The records the hub holds for `fqns` (undefined when it is gone or does not answer in 5 s). */
  records(fqns: readonly string[]): Promise<Record<string, HubRecord> | undefined> {
    return this.ask({ t: 'state', fqns }).then((answer) => answer?.records);
  }

  private ask(request: object): Promise<any> {
    if (this.exit) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(undefined);
      }, 5_000);
      this.waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.child.send({ id, ...request });
    });
  }

  /** Stops the hub (it closes cleanly on disconnect; killed after 5 s). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.exit) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
