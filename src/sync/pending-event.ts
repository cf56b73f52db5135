import type { VarspaceError } from '../core/errors.js';

/** What the hub answered to an accepted event: the seq it gave the event on its channel. */
export interface PublishAck {
  readonly seq: number;
}

/**
 * One published event until the hub answers it, and the promise `publish` returns. It is a
 * promise only when asked to be one: the real `Promise` (and its settle functions) is made by the
 * first `then`/`catch`/`finally`, so a fire-and-forget event costs this one object (which is the
 * queued message itself), and a refusal nobody awaits does not become an unhandled rejection (it
 * goes to `errors$`). @internal
 *
 * @example
 * const event = new PendingEvent('logs.api/info', 'up');
 * event.accept(7);
 * await event; // { seq: 7 }
 */
export class PendingEvent implements Promise<PublishAck> {
  /** The seq the hub gave it (0 until then). */
  seq = 0;
  private error: VarspaceError | undefined;
  private promise: Promise<PublishAck> | undefined;
  private resolve: ((ack: PublishAck) => void) | undefined;
  private reject: ((error: VarspaceError) => void) | undefined;

  constructor(
    readonly fqn: string,
    readonly value: unknown,
  ) {}

  get [Symbol.toStringTag](): string {
    return 'Promise';
  }

  then<A = PublishAck, B = never>(
    onAccepted?: ((ack: PublishAck) => A | PromiseLike<A>) | null,
    onRefused?: ((reason: any) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.settled().then(onAccepted, onRefused);
  }

  catch<B = never>(onRefused?: ((reason: any) => B | PromiseLike<B>) | null): Promise<PublishAck | B> {
    return this.settled().catch(onRefused);
  }

  finally(onSettled?: (() => void) | null): Promise<PublishAck> {
    return this.settled().finally(onSettled);
  }

  /** The hub accepted it with `seq`. */
  accept(seq: number): void {
    this.seq = seq;
    this.resolve?.({ seq });
  }

  /**
   * It was refused (by the hub, or dropped by the link).
   * @returns whether someone awaits it (else the caller reports the error).
   */
  refuse(error: VarspaceError): boolean {
    this.error = error;
    this.reject?.(error);
    return this.reject !== undefined;
  }

  private settled(): Promise<PublishAck> {
    if (this.promise === undefined) {
      if (this.seq > 0) this.promise = Promise.resolve({ seq: this.seq });
      else if (this.error !== undefined) this.promise = Promise.reject(this.error);
      else
        this.promise = new Promise<PublishAck>((resolve, reject) => {
          this.resolve = resolve;
          this.reject = reject;
        });
    }
    return this.promise;
  }
}
