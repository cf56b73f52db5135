import { parsePattern } from '../browser.js';

/** Typing pauses this long before the filter applies (Enter applies at once). */
const DEBOUNCE_MS = 120;

/** Options of {@link FilterBox}. */
export interface FilterBoxOptions {
  readonly input: HTMLInputElement;
  /** Where a pattern error shows. */
  readonly error: HTMLElement;
  /** Called with a valid pattern, or undefined when the box is empty. */
  readonly onApply: (pattern: string | undefined) => void;
}

/**
 * The filter box: a pattern in varspace's syntax (`demo.>`, `ui.buttons/*`). An invalid pattern
 * shows its error inline and keeps the last good view.
 *
 * @example new FilterBox({ input, error, onApply: (pattern) => model.setFilter(pattern) });
 */
export class FilterBox {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: FilterBoxOptions) {
    const { input } = options;
    input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.apply(), DEBOUNCE_MS);
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        clearTimeout(this.timer);
        this.apply();
      }
    });
  }

  private apply(): void {
    const { input, error, onApply } = this.options;
    const text = input.value.trim();
    let pattern: string | undefined;
    let problem = '';
    if (text !== '') {
      try {
        parsePattern(text);
        pattern = text;
      } catch (caught) {
        problem = (caught as Error).message;
      }
    }
    input.classList.toggle('invalid', problem !== '');
    error.textContent = problem;
    if (problem !== '') return;
    onApply(pattern);
  }
}
