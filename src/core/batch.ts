/**
 * Work that must run after a group of emissions, once, in dependency order (derived vars,
 * combined streams). `rank` is 1 + the highest rank of what it reads; plain vars are rank 0.
 * @internal
 */
export interface Reaction {
  readonly rank: number;
  queued: boolean;
  run(): void;
}

/**
 * Groups emissions so that reactions run once per group, lowest rank first, after the
 * emissions are done: this is what makes `derive` and `combineVars` glitch-free.
 * @internal
 */
export class Batch {
  depth = 0;
  readonly queue: Reaction[] = [];

  constructor(private readonly report: (error: unknown) => void) {}

  enqueue(reaction: Reaction): void {
    if (reaction.queued) return;
    reaction.queued = true;
    this.queue.push(reaction);
  }

  /** Runs `fn` as one group; queued reactions run when the outermost group ends. */
  run<R>(fn: () => R): R {
    this.depth++;
    try {
      return fn();
    } finally {
      if (--this.depth === 0 && this.queue.length > 0) this.drain();
    }
  }

  /** Runs queued reactions, lowest rank first, until none is left. */
  drain(): void {
    const queue = this.queue;
    this.depth++;
    try {
      while (queue.length > 0) {
        let lowest = 0;
        for (let i = 1; i < queue.length; i++) if (queue[i].rank < queue[lowest].rank) lowest = i;
        const reaction = queue[lowest];
        if (queue.length === 1) queue.pop();
        else queue.splice(lowest, 1);
        reaction.queued = false;
        try {
          reaction.run();
        } catch (error) {
          this.report(error);
        }
      }
    } finally {
      this.depth--;
    }
  }
}
