// The page's elements (`page.ts` writes them) and a helper to make new ones.

/** The elements of the page the inspector draws into or listens to, by role. */
export interface PageElements {
  readonly status: HTMLElement;
  readonly hub: HTMLElement;
  readonly counts: HTMLElement;
  readonly filter: HTMLInputElement;
  readonly filterError: HTMLElement;
  readonly expandAll: HTMLElement;
  readonly collapseAll: HTMLElement;
  /** The scrolling box of the virtual list. */
  readonly tree: HTMLElement;
  /** As tall as all rows, so that the scroll bar is right. */
  readonly spacer: HTMLElement;
  /** The rows drawn now. */
  readonly rows: HTMLElement;
  readonly detail: HTMLElement;
  readonly instances: HTMLElement;
  readonly log: HTMLElement;
}

/** Finds the page's elements by their ids. */
export function pageElements(): PageElements {
  const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  return {
    status: byId('status'),
    hub: byId('hub'),
    counts: byId('counts'),
    filter: byId<HTMLInputElement>('filter'),
    filterError: byId('filter-error'),
    expandAll: byId('expand-all'),
    collapseAll: byId('collapse-all'),
    tree: byId('tree'),
    spacer: byId('spacer'),
    rows: byId('rows'),
    detail: byId('detail'),
    instances: byId('instances'),
    log: byId('log'),
  };
}

/**
 * A new element with an optional class and text.
 *
 * @example element('span', 'time', clockText(ms))
 */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}
