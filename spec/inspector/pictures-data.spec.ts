/**
 * What the inspector's pictures draw, without a browser: the recent values of each var (its
 * sparkline), the hub's message rates from successive `/stats` readings (the traffic chart), and
 * the layout of values as SVG points.
 */
import { Space } from '../../src/index.js';
import { InspectorModel } from '../../src/inspector/model.js';
import { plotPoints } from '../../src/inspector/svg.js';
import { TRAFFIC_WINDOW_MS, TrafficSeries, totalRate } from '../../src/inspector/traffic-series.js';
import { SPARK_POINTS, ValueHistory } from '../../src/inspector/value-history.js';

test('a var keeps its last SPARK_POINTS numeric values; anything else ends its series', () => {
  const history = new ValueHistory();
  for (let i = 0; i < SPARK_POINTS + 5; i++) history.record('demo/t', i);
  expect(history.get('demo/t')).toEqual(Array.from({ length: SPARK_POINTS }, (_, i) => i + 5));
  history.record('demo/t', 'warm');
  expect(history.get('demo/t')).toBeUndefined();
  history.record('demo/t', 3);
  expect(history.get('demo/t')).toEqual([3]);
  for (const notPlotted of [NaN, Infinity, null, { n: 1 }]) {
    history.record('demo/u', 1);
    history.record('demo/u', notPlotted);
    expect(history.get('demo/u')).toBeUndefined();
  }
});

test("the inspector's model records each write of a var, and forgets the var's values when it is unmapped", () => {
  const space = new Space();
  const model = new InspectorModel(space);
  space.events$().subscribe((event) => model.apply(event));
  space.intern('demo/t', 0);
  model.setValue('demo/t', 1, undefined, undefined);
  model.setValue('demo/t', 2, undefined, undefined);
  expect(model.history.get('demo/t')).toEqual([1, 2]);
  space.unmap('demo/t');
  expect(model.history.get('demo/t')).toBeUndefined();
});

test('rates per second by kind, state being every message that is neither an event nor a request', () => {
  const series = new TrafficSeries();
  series.add({ messagesIn: 100, messagesOut: 200 }, 10_000);
  expect(series.points).toEqual([]);
  series.add({ messagesIn: 300, messagesOut: 600 }, 12_000);
  expect(series.points).toEqual([
    { time: 12_000, in: { state: 100, events: 0, requests: 0 }, out: { state: 200, events: 0, requests: 0 } },
  ]);
  expect(series.kinds).toEqual({ events: false, requests: false });
  // A hub that counts events and requests apart.
  series.add({ messagesIn: 400, messagesOut: 800, eventsIn: 0, eventsOut: 0, requestsIn: 0, requestsOut: 0 }, 13_000);
  series.add({ messagesIn: 500, messagesOut: 1000, eventsIn: 30, eventsOut: 120, requestsIn: 20, requestsOut: 10 }, 14_000);
  expect(series.kinds).toEqual({ events: true, requests: true });
  const last = series.points[series.points.length - 1];
  expect(last).toEqual({ time: 14_000, in: { state: 50, events: 30, requests: 20 }, out: { state: 70, events: 120, requests: 10 } });
  expect(totalRate(last.in)).toBe(100);
});

test('a counter that goes down (the hub restarted) starts again from that reading; points older than the window go', () => {
  const series = new TrafficSeries();
  series.add({ messagesIn: 1000, messagesOut: 1000 }, 0);
  series.add({ messagesIn: 5, messagesOut: 5 }, 1000);
  expect(series.points).toEqual([]);
  series.add({ messagesIn: 15, messagesOut: 25 }, 2000);
  expect(series.points.map((point) => point.in.state)).toEqual([10]);
  for (let t = 3000; t <= TRAFFIC_WINDOW_MS + 10_000; t += 1000) series.add({ messagesIn: t, messagesOut: t }, t);
  const times = series.points.map((point) => point.time);
  expect(times[times.length - 1] - times[0]).toBeLessThanOrEqual(TRAFFIC_WINDOW_MS);
  expect(times[times.length - 1] - times[0]).toBeGreaterThan(TRAFFIC_WINDOW_MS - 2000);
});

test('values become SVG points: newest at the right edge, the highest at the top, a level series at mid-height', () => {
  expect(plotPoints([1, 3, 2], { width: 20, height: 10, step: 10, low: 1, high: 3 })).toEqual([
    [0, 10],
    [10, 0],
    [20, 5],
  ]);
  expect(plotPoints([4, 4], { width: 64, height: 14, step: 2, low: 4, high: 4 })).toEqual([
    [62, 7],
    [64, 7],
  ]);
  expect(plotPoints([], { width: 64, height: 14, step: 2, low: Infinity, high: -Infinity })).toEqual([]);
});
