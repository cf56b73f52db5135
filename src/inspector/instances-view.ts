import { element } from './dom.js';
import { attributesText, clockText } from './format.js';
import type { InspectorModel } from './model.js';

/** The list of connected instances, oldest first: name, id, attributes and since when. */
export class InstancesView {
  constructor(
    private readonly model: InspectorModel,
    private readonly list: HTMLElement,
  ) {}

  /** Draws the list anew. */
  draw(): void {
    const { link } = this.model;
    const sorted = [...this.model.instances.values()].sort((a, b) => a.connectedAt - b.connectedAt);
    const fragment = document.createDocumentFragment();
    for (const info of sorted) {
      const item = element('li');
      item.dataset.instance = info.instanceId;
      const mine = link !== undefined && info.instanceId === link.instanceId;
      const title = info.attributes.identity ?? info.attributes.appName ?? 'instance';
      item.append(element('div', 'who', `${title}${mine ? ' (this inspector)' : ''}`), element('div', 'id', info.instanceId));
      const attrs = element('div', 'attrs', `${attributesText(info.attributes) || 'no attributes'} · since `);
      attrs.append(element('span', 'time', clockText(info.connectedAt)));
      item.append(attrs);
      fragment.append(item);
    }
    this.list.replaceChildren(fragment);
  }
}
