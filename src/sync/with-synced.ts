import type { Subscription } from 'rxjs';
import type { LinkSubscription } from './link.js';

/**
 * Gives `subscription` the promise of its first complete state. @internal
 * @example return withSynced(new Subscription(stop), ready);
 */
export function withSynced(subscription: Subscription, synced: Promise<void>): LinkSubscription {
  return Object.assign(subscription, { synced });
}
