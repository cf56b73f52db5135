import { useMemo, useSyncExternalStore } from 'react';
import type { InstanceInfo } from '../identity/instance-info.js';
import type { Link } from '../sync/link.js';
import type { InstanceFilter } from '../sync/presence.js';
import type { ExternalStore } from './var-store.js';
import { useVarspace } from './varspace-context.js';

const NONE: readonly InstanceInfo[] = Object.freeze([]);
const nobody: ExternalStore<readonly InstanceInfo[]> = { subscribe: () => () => {}, getSnapshot: () => NONE };

/** `link.instances$(filter)` as the list it describes (a new array on each join or leave). */
function instancesStore(link: Link, filter: InstanceFilter): ExternalStore<readonly InstanceInfo[]> {
  let list = NONE;
  return {
    getSnapshot: () => list,
    subscribe(onChange) {
      const subscription = link.instances$(filter).subscribe((event) => {
        if (event.type === 'current') list = event.instances;
        else if (event.type === 'join') list = [...list, event.instance];
        else list = list.filter((info) => info.instanceId !== event.instance.instanceId);
        onChange();
      });
      return () => subscription.unsubscribe();
    },
  };
}

/**
 * The instances connected to the provider's hub that match `filter` (presence, as
 * `link.instances$`), rendering again when one joins or leaves; empty until the hub's list
 * arrives, and while the provider has no link. A filter written inline (`{ role: 'worker' }`)
 * is compared by its contents, so it does not subscribe again on every render.
 *
 * @param filter attribute values an instance must have (`appType`, `role`, `appName`, `identity`, `processType`).
 * @returns the matching instances, in the order they joined.
 * @example
 * function Workers() {
 *   const workers = useInstances({ role: 'worker' });
 *   return <ul>{workers.map((w) => <li key={w.instanceId}>{w.attributes.appName}</li>)}</ul>;
 * }
 */
export function useInstances(filter: InstanceFilter = {}): readonly InstanceInfo[] {
  const { link } = useVarspace();
  const key = JSON.stringify(Object.entries(filter).sort(([a], [b]) => (a < b ? -1 : 1)));
  const store = useMemo(
    () => (link === undefined ? nobody : instancesStore(link, Object.fromEntries(JSON.parse(key) as [string, string][]))),
    [link, key],
  );
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
