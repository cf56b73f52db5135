import { createElement, useMemo, type ReactNode } from 'react';
import { ValidationError } from '../core/errors.js';
import type { Space } from '../core/space.js';
import type { Link } from '../sync/link.js';
import { VarspaceContext } from './varspace-context.js';

/** Props of {@link VarspaceProvider}. */
export interface VarspaceProviderProps {
  /** The space of the hooks below (default: the link's space, else `defaultSpace()`). */
  readonly space?: Space;
  /** The link of `useLinkStatus` and `useInstances` (may come later: `undefined` while connecting). */
  readonly link?: Link;
  readonly children?: ReactNode;
}

/**
 * Puts a space and a link in context for the hooks below it (`useVar`, `useRef$`,
 * `useLinkStatus`, `useInstances`, `useVarspace`).
 *
 * @throws {ValidationError} (`VS_INVALID_VALUE`) when `space` and `link` are given and the link
 *   works on another space (the hooks would read vars the link never touches).
 * @example
 * const space = new Space();
 * const link = await connect('ws://127.0.0.1:7070', { space });
 * link.sync('todos.>');
 * createRoot(element).render(
 *   <VarspaceProvider link={link}>
 *     <App />
 *   </VarspaceProvider>,
 * );
 */
export function VarspaceProvider({ space, link, children }: VarspaceProviderProps): ReactNode {
  if (space !== undefined && link !== undefined && link.space !== space)
    throw new ValidationError('VarspaceProvider: the link works on another space than the one given (pass one of them, or the same)');
  const value = useMemo(() => ({ space: space ?? link?.space, link }), [space, link]);
  return createElement(VarspaceContext.Provider, { value }, children);
}
