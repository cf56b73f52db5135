import type { Link, TaggedEvent } from '../browser.js';
import { element } from './dom.js';
import { clockText, shortJson, stampTime } from './format.js';

/** Events kept for the selected channel. */
const LAST = 20;
/** The rate is events over this window, redrawn once a second. */
const WINDOW_MS = 5_000;

interface ChannelState {
  total: number;
  /** Arrival times (ms) within the rate window. */
  recent: number[];
  last: TaggedEvent<unknown>[];
}

/**
 * The channels the inspector has seen events on (it subscribes to `>`: the events its rules let it
 * read), each with its rate over the last 5 s, and the last 20 events of the one selected. Draws
 * itself once a second, and at once when a channel is selected.
 *
 * @example new ChannelsView(link, document.querySelector('aside')!)
 */
export class ChannelsView {
  private readonly channels = new Map<string, ChannelState>();
  private readonly list = element('ul', 'channels');
  private readonly events = element('ul', 'channel-events');
  private selected: string | undefined;

  constructor(link: Link, parent: HTMLElement) {
    const heading = element('h2', undefined, 'Channels');
    this.list.id = 'channels';
    this.events.id = 'channel-events';
    for (const list of [this.list, this.events])
      Object.assign(list.style, {
        listStyle: 'none',
        margin: '0',
        padding: '0',
        overflow: 'auto',
        maxHeight: '20vh',
        font: '12px ui-monospace, monospace',
      });
    parent.append(heading, this.list, this.events);
    this.list.addEventListener('click', (event) => {
      const item = (event.target as HTMLElement).closest<HTMLElement>('li');
      if (item?.dataset.channel === undefined) return;
      this.selected = item.dataset.channel;
      this.draw();
    });
    link.events$('>').subscribe((event) => this.add(event));
    setInterval(() => this.draw(), 1_000);
  }

  /** Events per second on `channel` over the last 5 s. */
  rate(channel: string, now = Date.now()): number {
    const state = this.channels.get(channel);
    if (!state) return 0;
    while (state.recent.length > 0 && state.recent[0] < now - WINDOW_MS) state.recent.shift();
    return state.recent.length / (WINDOW_MS / 1000);
  }

  private add(event: TaggedEvent<unknown>): void {
    let state = this.channels.get(event.fqn);
    if (!state) this.channels.set(event.fqn, (state = { total: 0, recent: [], last: [] }));
    state.total++;
    state.recent.push(Date.now());
    state.last.push(event);
    if (state.last.length > LAST) state.last.shift();
  }

  private draw(): void {
    const now = Date.now();
    const items = [...this.channels.keys()].sort().map((channel) => {
      const item = element('li', channel === this.selected ? 'selected' : undefined);
      item.dataset.channel = channel;
      item.style.cursor = 'pointer';
      item.style.fontWeight = channel === this.selected ? '600' : '';
      item.textContent = `${channel} · ${this.rate(channel, now).toFixed(1)}/s · ${this.channels.get(channel)!.total} events`;
      return item;
    });
    this.list.replaceChildren(...items);
    const last = this.selected === undefined ? [] : (this.channels.get(this.selected)?.last ?? []);
    this.events.replaceChildren(
      ...last.map((event) => {
        const item = element('li', undefined, `#${event.seq} ${clockText(stampTime(event.stamp))} ${event.from.slice(0, 8)} `);
        item.append(element('span', 'value', shortJson(event.value, true)));
        return item;
      }),
    );
  }
}
