import { clockText, shortJson, stampTime } from './format.js';
import { element } from './dom.js';
import type { InspectorModel } from './model.js';
import type { Row, VarEntry } from './ns-tree.js';
import { ROW_HEIGHT } from './row-height.js';
import type { SparklineView } from './sparkline-view.js';

/** Pixels from the tree's left edge to the value column. */
const NAME_COLUMN = 240;
/** Rows drawn above and below the visible ones. */
const OVERSCAN = 12;

/** The elements the tree view draws into. */
export interface TreeElements {
  readonly tree: HTMLElement;
  readonly spacer: HTMLElement;
  readonly rows: HTMLElement;
  readonly counts: HTMLElement;
}

/**
 * The namespace tree as a virtual list: every row has a place (`ROW_HEIGHT` apart), only those in
 * view (and {@link OVERSCAN} around) are in the DOM, and values become text only when their row
 * is drawn. This is what keeps the page responsive with 10,000+ vars.
 */
export class TreeView {
  /** Every row of the list, drawn or not. */
  private rows: Row[] = [];
  /** The entries whose rows are in the DOM now. */
  private readonly drawn: VarEntry[] = [];
  private drawnScrollTop = -1;
  private drawnHeight = -1;

  constructor(
    private readonly model: InspectorModel,
    private readonly elements: TreeElements,
    private readonly sparklines: SparklineView,
  ) {}

  /** How many rows the list has (drawn or not). */
  get rowCount(): number {
    return this.rows.length;
  }

  /** Takes a new list of rows (the model's structure changed). */
  setRows(rows: Row[]): void {
    this.rows = rows;
    this.elements.spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
  }

  /** Whether nothing is drawn yet or the view scrolled or resized since it was last asked. */
  needsRedraw(): boolean {
    if (this.elements.rows.childElementCount === 0) return true;
    const { tree } = this.elements;
    const moved = tree.scrollTop !== this.drawnScrollTop || tree.clientHeight !== this.drawnHeight;
    this.drawnScrollTop = tree.scrollTop;
    this.drawnHeight = tree.clientHeight;
    return moved;
  }

  /** Draws the rows in view, and the counts in the header. */
  draw(): void {
    for (const entry of this.drawn) entry.row = undefined;
    this.drawn.length = 0;
    const { tree } = this.elements;
    const first = Math.max(0, Math.floor(tree.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((tree.scrollTop + tree.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    const fragment = document.createDocumentFragment();
    for (let i = first; i < last; i++) fragment.append(this.drawRow(this.rows[i], i));
    this.elements.rows.replaceChildren(fragment);
    const { model } = this;
    const matches = model.filterPattern !== undefined ? ` · ${this.rows.length.toLocaleString()} match` : '';
    this.elements.counts.textContent = `${model.tree.size.toLocaleString()} vars · ${model.instances.size} instances${matches}`;
  }

  /** Shows a var's new value in its row, if drawn, with a flash. */
  refresh(entry: VarEntry): void {
    const el = entry.row;
    if (!el) return;
    (el.children[1] as HTMLElement).textContent = shortJson(entry.value, entry.bound);
    (el.children[2] as HTMLElement).textContent = this.model.writerName(entry.from);
    (el.children[3] as HTMLElement).textContent = clockText(stampTime(entry.stamp));
    if (entry.from) el.title = `${entry.fqn} — last written by ${entry.from}`;
    this.sparklines.update(el.children[4] as SVGSVGElement, entry.fqn);
    el.animate([{ backgroundColor: 'var(--flash)' }, { backgroundColor: 'transparent' }], { duration: 900, easing: 'ease-out' });
  }

  private drawRow(row: Row, index: number): HTMLElement {
    const el = element('div', 'row');
    el.style.top = `${index * ROW_HEIGHT}px`;
    if (row.kind === 'ns') {
      const { node } = row;
      el.classList.add('ns');
      el.dataset.ns = node.name;
      el.style.paddingLeft = `${8 + node.depth * 16}px`;
      el.append(
        element('span', 'twisty', node.expanded ? '▾' : '▸'),
        element('span', 'label', node.label),
        element('span', 'count', String(node.count)),
      );
      el.title = `${node.name} — ${node.count} vars (click to ${node.expanded ? 'collapse' : 'expand'})`;
      return el;
    }
    const { entry } = row;
    el.classList.add('var');
    if (entry === this.model.selected) el.classList.add('selected');
    el.dataset.fqn = entry.fqn;
    const indent = row.flat ? 0 : (entry.ns.depth + 1) * 16;
    el.style.paddingLeft = `${8 + indent}px`;
    const name = element('span', 'name', row.flat ? entry.fqn : entry.name);
    // Values line up in one column whatever the depth.
    name.style.width = row.flat ? '40%' : `${Math.max(90, NAME_COLUMN - indent)}px`;
    el.append(
      name,
      element('span', 'value', shortJson(entry.value, entry.bound)),
      element('span', 'writer', this.model.writerName(entry.from)),
      element('span', 'time', clockText(stampTime(entry.stamp))),
      // Last in the row, drawn beside the value (page.ts orders the columns).
      this.sparklines.create(entry.fqn),
    );
    el.title = entry.from ? `${entry.fqn} — last written by ${entry.from}` : entry.fqn;
    entry.row = el;
    this.drawn.push(entry);
    return el;
  }
}
