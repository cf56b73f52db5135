import type { Transport } from '../transport/transport.js';

/**
 * Time one turn of the event loop may spend on frames before the rest waits for the next turn.
 * `ws` emits every message of a TCP chunk synchronously, and one poll phase reads many sockets:
 * without a budget, 50 busy links made one turn last seconds (longer than a heartbeat timeout).
 */
const TURN_BUDGET_MS = 8;
const now = (): number => performance.now();

/** What the scheduler needs of a connection. @internal */
export interface Scheduled {
  readonly transport: Transport;
}

/**
 * Bounds the work a hub does per macrotask. A frame that arrives while the hub is idle is
 * processed at once (no hop); once a turn has spent its budget, frames wait in one FIFO for the
 * next turn (`setImmediate`, after the poll phase: timers and I/O run in between), and the
 * sockets they came from stop being read until the backlog is gone, so that the peers meet TCP
 * backpressure instead of the hub buffering their bursts. Frames of one connection keep their
 * order. @internal
 *
 * @example
 * const scheduler = new FrameScheduler<Session>((session, data) => hub.onFrame(session, data));
 * transport.listen({ frame: (data) => scheduler.receive(session, data), close() {} });
 */
export class FrameScheduler<S extends Scheduled> {
  /** Waiting frames, flat: connection, frame, connection, frame… */
  private queue: (S | string)[] = [];
  private head = 0;
  /** When the open turn's budget ends (0: no turn is open). */
  private deadline = 0;
  private readonly paused = new Set<S>();

  /** @param process handles one frame (it must not throw). */
  constructor(private readonly process: (connection: S, data: string) => void) {}

  /** Frames waiting for a later turn. */
  get backlog(): number {
    return (this.queue.length - this.head) / 2;
  }

  /** Takes a frame: processes it now, or queues it when the turn's budget is spent. */
  receive(connection: S, data: string): void {
    if (this.head < this.queue.length) return this.defer(connection, data);
    if (this.deadline === 0) {
      this.deadline = now() + TURN_BUDGET_MS;
      setImmediate(this.nextTurn);
    } else if (now() > this.deadline) {
      return this.defer(connection, data);
    }
    this.process(connection, data);
  }

  private defer(connection: S, data: string): void {
    this.queue.push(connection, data);
    if (!this.paused.has(connection)) {
      this.paused.add(connection);
      connection.transport.pause?.();
    }
  }

  /** Ends the turn, and works through the backlog with a new budget. */
  private readonly nextTurn = (): void => {
    this.deadline = 0;
    if (this.head === this.queue.length) return;
    const deadline = now() + TURN_BUDGET_MS;
    const queue = this.queue;
    while (this.head < queue.length) {
      if (now() > deadline) {
        this.deadline = deadline;
        if (this.head > 1024) {
          // Under sustained load the backlog never empties: drop what is done.
          this.queue = queue.slice(this.head);
          this.head = 0;
        }
        setImmediate(this.nextTurn);
        return;
      }
      const connection = queue[this.head] as S;
      const data = queue[this.head + 1] as string;
      this.head += 2;
      this.process(connection, data);
    }
    this.queue = [];
    this.head = 0;
    for (const connection of this.paused) connection.transport.resume?.();
    this.paused.clear();
  };
}
