/** How far back the traffic chart looks, in ms (5 minutes). */
export const TRAFFIC_WINDOW_MS = 5 * 60_000;

/** The counters of the hub's `GET /stats` the chart uses; `events…` and `requests…` only on hubs that count them. */
export interface TrafficCounters {
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly eventsIn?: number;
  readonly eventsOut?: number;
  readonly requestsIn?: number;
  readonly requestsOut?: number;
}

/** Messages per second of one direction, by kind; `state` is every message that is neither an event nor a request. */
export interface KindRates {
  readonly state: number;
  readonly events: number;
  readonly requests: number;
}

/** The hub's traffic between two polls of its counters. */
export interface TrafficPoint {
  /** When the later poll answered, epoch ms. */
  readonly time: number;
  readonly in: KindRates;
  readonly out: KindRates;
}

/** The kinds of message, in the order the chart stacks them. */
export const TRAFFIC_KINDS = ['state', 'events', 'requests'] as const;

function rates(messages: number, events: number, requests: number, seconds: number): KindRates {
  return { state: Math.max(0, messages - events - requests) / seconds, events: events / seconds, requests: requests / seconds };
}

/**
 * The hub's messages per second in and out over the last {@link TRAFFIC_WINDOW_MS}, from
 * successive readings of its cumulative counters (`GET /stats`). A counter that went down (the
 * hub restarted) starts the rates again from that reading. No DOM.
 *
 * @example
 * const series = new TrafficSeries();
 * series.add({ messagesIn: 0, messagesOut: 0 }, 0);
 * series.add({ messagesIn: 50, messagesOut: 80 }, 1000);
 * series.points[0].in.state; // 50
 */
export class TrafficSeries {
  /** Oldest first, none older than the window before the newest. */
  readonly points: TrafficPoint[] = [];
  /** Whether the hub counts events and requests apart (its stats have `eventsIn`, `requestsIn`). */
  readonly kinds = { events: false, requests: false };
  private last: { counters: TrafficCounters; time: number } | undefined;

  /** Takes in one reading of the hub's counters, made at `time` (epoch ms). */
  add(counters: TrafficCounters, time: number): void {
    const last = this.last;
    this.last = { counters, time };
    if (typeof counters.eventsIn === 'number') this.kinds.events = true;
    if (typeof counters.requestsIn === 'number') this.kinds.requests = true;
    if (last === undefined || time <= last.time) return;
    const delta = (key: keyof TrafficCounters) => (counters[key] ?? 0) - (last.counters[key] ?? 0);
    const deltas = [
      delta('messagesIn'),
      delta('messagesOut'),
      delta('eventsIn'),
      delta('eventsOut'),
      delta('requestsIn'),
      delta('requestsOut'),
    ];
    if (deltas.some((d) => d < 0)) return;
    const [messagesIn, messagesOut, eventsIn, eventsOut, requestsIn, requestsOut] = deltas;
    const seconds = (time - last.time) / 1000;
    this.points.push({
      time,
      in: rates(messagesIn, eventsIn, requestsIn, seconds),
      out: rates(messagesOut, eventsOut, requestsOut, seconds),
    });
    while (this.points.length > 0 && this.points[0].time < time - TRAFFIC_WINDOW_MS) this.points.shift();
  }
}

/** All kinds of one direction together (messages per second). */
export function totalRate(rates: KindRates): number {
  return rates.state + rates.events + rates.requests;
}
