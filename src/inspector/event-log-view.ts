import { element } from './dom.js';
import { clockText } from './format.js';

/** Entries kept in the event log. */
const LOG_LIMIT = 300;

/** One line of the event log. */
export interface LogLine {
  /** `joined`, `left`, `interned`, `unmapped`, `snapshot` (also its CSS class). */
  readonly kind: string;
  readonly text: string;
  /** When it happened, epoch ms. */
  readonly time: number;
}

/** The event log: newest first, at most {@link LOG_LIMIT} lines. */
export class EventLogView {
  constructor(private readonly list: HTMLElement) {}

  /** Adds lines (oldest first) at the top of the log, dropping the oldest beyond the limit. */
  add(lines: readonly LogLine[]): void {
    const fragment = document.createDocumentFragment();
    for (const item of lines.slice(-LOG_LIMIT).reverse()) {
      const line = element('li', `event ${item.kind}`);
      line.append(element('span', 'time', clockText(item.time)), element('span', 'kind', item.kind), element('span', 'text', item.text));
      fragment.append(line);
    }
    this.list.prepend(fragment);
    while (this.list.childElementCount > LOG_LIMIT) this.list.lastElementChild!.remove();
  }
}
