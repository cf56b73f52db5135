import { useMemo, useSyncExternalStore } from 'react';
import type { LinkStatus } from '../sync/link.js';
import type { ExternalStore } from './var-store.js';
import { useVarspace } from './varspace-context.js';

const connecting: ExternalStore<LinkStatus> = { subscribe: () => () => {}, getSnapshot: () => 'connecting' };

/**
 * The provider's link status (`connecting`, `open`, `reconnecting`, `closed`), rendering again
 * when it changes; `connecting` while the provider has no link yet.
 *
 * @returns the link's current status.
 * @example
 * function Status() {
 *   const status = useLinkStatus();
 *   return <span className={status}>{status === 'open' ? 'online' : 'offline: changes are kept'}</span>;
 * }
 */
export function useLinkStatus(): LinkStatus {
  const { link } = useVarspace();
  const store = useMemo<ExternalStore<LinkStatus>>(
    () =>
      link === undefined
        ? connecting
        : {
            subscribe(onChange) {
              const subscription = link.status$.subscribe(onChange);
              return () => subscription.unsubscribe();
            },
            getSnapshot: () => link.status$.getValue(),
          },
    [link],
  );
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
