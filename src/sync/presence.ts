import { Observable, distinctUntilChanged, map, scan } from 'rxjs';
import { ClosedError, TimeoutError } from '../core/errors.js';
import type { Space } from '../core/space.js';
import type { InstanceInfo } from '../identity/instance-info.js';

/** Attribute values an instance must have to pass (all given ones must match). */
export type InstanceFilter = Partial<Record<'appType' | 'role' | 'appName' | 'identity' | 'processType', string>>;

/** DNS-SD browse: the current set first, then each join and leave. */
export type PresenceEvent =
  | { readonly type: 'current'; readonly instances: readonly InstanceInfo[] }
  | { readonly type: 'join'; readonly instance: InstanceInfo }
  | { readonly type: 'leave'; readonly instance: InstanceInfo };

/** The pattern of the hub's presence vars. */
export const INSTANCES_PATTERN = '$sys.instances/*';

function passes(info: InstanceInfo, filter: InstanceFilter): boolean {
  for (const [key, wanted] of Object.entries(filter)) if (wanted !== undefined && info.attributes[key] !== wanted) return false;
  return true;
}

/**
 * Presence events of the instances in `space` (kept current by a follow of `$sys.instances/*`,
 * which `follow` starts and returns a stopper for, after the snapshot arrived). @internal
 */
export function presence$(
  space: Space,
  follow: () => { synced: Promise<void>; unsubscribe(): void },
  filter: InstanceFilter = {},
): Observable<PresenceEvent> {
  return new Observable<PresenceEvent>((subscriber) => {
    const followed = follow();
    const known = new Map<string, InstanceInfo>();
    let live: { unsubscribe(): void } | undefined;
    void followed.synced.then(() => {
      if (subscriber.closed) return;
      for (const target of space.match(INSTANCES_PATTERN)) {
        const info = target.getValue() as InstanceInfo | undefined;
        if (info && passes(info, filter)) known.set(target.fqn, info);
      }
      subscriber.next({ type: 'current', instances: [...known.values()] });
      live = space.events$(INSTANCES_PATTERN).subscribe((event) => {
        if (event.type === 'var-interned') {
          const info = space.resolve<InstanceInfo>(event.fqn)?.getValue();
          if (!info || !passes(info, filter) || known.has(event.fqn)) return;
          known.set(event.fqn, info);
          subscriber.next({ type: 'join', instance: info });
        } else if (event.type === 'var-unmapped') {
          const info = known.get(event.fqn);
          if (!info) return;
          known.delete(event.fqn);
          subscriber.next({ type: 'leave', instance: info });
        }
      });
    });
    return () => {
      live?.unsubscribe();
      followed.unsubscribe();
    };
  });
}

/** The instance id carrying `identity`, now and after every change (`undefined` while none does). @internal */
export function identity$(events: Observable<PresenceEvent>, identity: string): Observable<string | undefined> {
  return events.pipe(
    scan((carriers, event) => {
      const next = new Map(carriers);
      if (event.type === 'current') for (const info of event.instances) next.set(info.instanceId, info);
      else if (event.type === 'join') next.set(event.instance.instanceId, event.instance);
      else next.delete(event.instance.instanceId);
      return next;
    }, new Map<string, InstanceInfo>()),
    map(
      (carriers) =>
        [...carriers.values()].filter((info) => info.attributes.identity === identity).sort((a, b) => b.connectedAt - a.connectedAt)[0]
          ?.instanceId,
    ),
    distinctUntilChanged(),
  );
}

/**
 * The first answer of `identity$`, or a rejection: {@link ClosedError} when `closed$` emits first
 * (the link closed), {@link TimeoutError} after `timeoutMs`. @internal
 */
export function resolveIdentity(
  events: Observable<PresenceEvent>,
  identity: string,
  closed$: Observable<unknown>,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise<string | undefined>((resolve, reject) => {
    let settled = false;
    const subscriptions: { unsubscribe(): void }[] = [];
    const settle = (answer: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const subscription of subscriptions) subscription.unsubscribe();
      answer();
    };
    const timer = setTimeout(
      () => settle(() => reject(new TimeoutError(`identity ${identity}: no answer within ${timeoutMs} ms`))),
      timeoutMs,
    );
    subscriptions.push(
      closed$.subscribe(() => settle(() => reject(new ClosedError(`identity ${identity}: the link closed before the hub answered`)))),
    );
    if (!settled) subscriptions.push(identity$(events, identity).subscribe((id) => settle(() => resolve(id))));
    // Emitted while subscribing, before `subscriptions` held them: unsubscribe now.
    if (settled) for (const subscription of subscriptions) subscription.unsubscribe();
  });
}
