import { Observable } from 'rxjs';
import { parsePattern } from '../core/names.js';
import { patternsOverlap } from '../core/pattern-trie.js';
import type { Space } from '../core/space.js';
import type { Tagged } from '../rx/tagged.js';

/** One registration of a service: the name (FQN or pattern) served, by which instance, in which queue group. */
export interface ServiceInfo {
  readonly name: string;
  readonly queue: string;
  readonly instanceId: string;
}

/** The services: the current set first, then each registration added and removed. */
export type ServiceEvent =
  | { readonly type: 'current'; readonly services: readonly ServiceInfo[] }
  | { readonly type: 'added'; readonly service: ServiceInfo }
  | { readonly type: 'removed'; readonly service: ServiceInfo };

/** The pattern of the hub's service presence vars (one per serving instance: the list of what it serves). */
export const SERVICES_PATTERN = '$sys.services/*';
const PREFIX = '$sys.services/';

/** What a link gives {@link services$}: its space, a follow of {@link SERVICES_PATTERN}, and the updates from the hub. @internal */
export interface ServicePresenceSource {
  readonly space: Space;
  follow(): { synced: Promise<void>; unsubscribe(): void };
  readonly updates$: Observable<Tagged<unknown>>;
}

/**
 * Service presence from the hub's `$sys.services/<instance id>` vars: the registrations whose
 * name overlaps `pattern` now, then each one added or removed. @internal
 */
export function services$(source: ServicePresenceSource, pattern: string): Observable<ServiceEvent> {
  const { tokens } = parsePattern(pattern);
  const wanted = (entry: { name: string }) => patternsOverlap(tokens, parsePattern(entry.name).tokens);
  return new Observable<ServiceEvent>((subscriber) => {
    const followed = source.follow();
    const known = new Map<string, ServiceInfo[]>();
    const live: { unsubscribe(): void }[] = [];
    const infos = (fqn: string, value: unknown): ServiceInfo[] => {
      const instanceId = fqn.slice(PREFIX.length);
      const entries = Array.isArray(value) ? (value as { name: string; queue: string }[]) : [];
      return entries.filter(wanted).map(({ name, queue }) => ({ name, queue, instanceId }));
    };
    const change = (fqn: string, next: ServiceInfo[]) => {
      const before = known.get(fqn) ?? [];
      const same = (a: ServiceInfo, b: ServiceInfo) => a.name === b.name && a.queue === b.queue;
      for (const service of before) if (!next.some((n) => same(n, service))) subscriber.next({ type: 'removed', service });
      for (const service of next) if (!before.some((b) => same(b, service))) subscriber.next({ type: 'added', service });
      if (next.length === 0) known.delete(fqn);
      else known.set(fqn, next);
    };
    void followed.synced.then(() => {
      if (subscriber.closed) return;
      for (const target of source.space.match(SERVICES_PATTERN)) known.set(target.fqn, infos(target.fqn, target.getValue()));
      subscriber.next({ type: 'current', services: [...known.values()].flat() });
      live.push(
        source.updates$.subscribe((tagged) => {
          if (tagged.fqn.startsWith(PREFIX)) change(tagged.fqn, infos(tagged.fqn, tagged.value));
        }),
        source.space.events$(SERVICES_PATTERN).subscribe((event) => {
          if (event.type === 'var-unmapped') change(event.fqn, []);
        }),
      );
    });
    return () => {
      for (const subscription of live) subscription.unsubscribe();
      followed.unsubscribe();
    };
  });
}
