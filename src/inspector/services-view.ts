import type { Link, ServiceEvent, ServiceInfo } from '../browser.js';
import { element } from './dom.js';

/** A served name and queue group, and the instances in it. */
interface ServiceGroup {
  readonly name: string;
  readonly queue: string;
  readonly instances: Set<string>;
}

/**
 * The services the hub knows (from `link.services$()`), drawn next to the instances: each served
 * name with its queue group and serving instance ids. Services change rarely: the list is drawn
 * anew on each change, not through the renderer's frame.
 *
 * @example new ServicesView(link, document.getElementById('services')!);
 */
export class ServicesView {
  private readonly groups = new Map<string, ServiceGroup>();

  constructor(
    link: Link,
    private readonly list: HTMLElement,
  ) {
    link.services$().subscribe((event) => this.apply(event));
  }

  private apply(event: ServiceEvent): void {
    if (event.type === 'current') for (const service of event.services) this.add(service);
    else if (event.type === 'added') this.add(event.service);
    else {
      const group = this.groups.get(keyOf(event.service));
      group?.instances.delete(event.service.instanceId);
      if (group?.instances.size === 0) this.groups.delete(keyOf(event.service));
    }
    this.draw();
  }

  private add(service: ServiceInfo): void {
    const key = keyOf(service);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { name: service.name, queue: service.queue, instances: new Set() }));
    group.instances.add(service.instanceId);
  }

  private draw(): void {
    const fragment = document.createDocumentFragment();
    const sorted = [...this.groups.values()].sort((a, b) => a.name.localeCompare(b.name) || a.queue.localeCompare(b.queue));
    for (const group of sorted) {
      const item = element('li');
      item.dataset.service = group.name;
      item.append(element('div', 'who', group.name));
      if (group.queue !== group.name) item.append(element('div', 'attrs', `queue ${group.queue}`));
      for (const id of group.instances) item.append(element('div', 'id', id));
      fragment.append(item);
    }
    if (sorted.length === 0) fragment.append(element('li', 'empty', 'no services'));
    this.list.replaceChildren(fragment);
  }
}

const keyOf = (service: ServiceInfo) => `${service.name}\u0000${service.queue}`;
