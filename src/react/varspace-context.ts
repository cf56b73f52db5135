import { createContext, useContext } from 'react';
import { defaultSpace } from '../core/default-space.js';
import type { Space } from '../core/space.js';
import type { Link } from '../sync/link.js';

/** What a {@link VarspaceProvider} puts in context. */
export interface Varspace {
  /** The space the hooks read and write. */
  readonly space: Space;
  /** The link, once there is one (`undefined` before `connect` resolved, or in an app with no hub). */
  readonly link: Link | undefined;
}

/** The context of `VarspaceProvider`; empty outside one (the hooks then use `defaultSpace()`). @internal */
export const VarspaceContext = createContext<Partial<Varspace>>({});

/**
 * The space and link of the nearest `VarspaceProvider`: outside one, `defaultSpace()` and no link.
 *
 * @returns `{ space, link }`.
 * @example
 * const { space, link } = useVarspace();
 * const onClick = () => link?.set('app/ping', Date.now());
 */
export function useVarspace(): Varspace {
  const { space, link } = useContext(VarspaceContext);
  return { space: space ?? defaultSpace(), link };
}
