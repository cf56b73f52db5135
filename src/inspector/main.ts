// The inspector page's code (runs in the browser): bundled by scripts/build-browser.mjs into
// dist/browser/inspector.js, which imports the library from the bundle the hub serves beside it
// (./varspace.js). It connects to the hub that served the page, follows `>` and
// `$sys.instances/*`, and shows the namespace tree with live values, the connected instances and
// an event log; values can be edited as JSON and are written with `link.set`.
//
// Here is only the wiring: the state is in `model.ts`, the drawing in the views, and all of it
// happens once per animation frame (`renderer.ts`).

import { Space, connect, type Link } from '../browser.js';
import { ChannelsView } from './channels-view.js';
import { DetailView } from './detail-view.js';
import { pageElements, type PageElements } from './dom.js';
import { EventLogView } from './event-log-view.js';
import { FilterBox } from './filter-box.js';
import { InstancesView } from './instances-view.js';
import { InspectorModel, SYS_INSTANCES, isSystemName } from './model.js';
import { Renderer } from './renderer.js';
import { SparklineView } from './sparkline-view.js';
import { pollStats } from './stats-poll.js';
import { TrafficChartView } from './traffic-chart-view.js';
import { TrafficSeries } from './traffic-series.js';
import { ServicesView } from './services-view.js';
import { TreeView } from './tree-view.js';

/** What `window.varspaceInspector` offers tests and curious users. */
interface InspectorHandle {
  readonly space: Space;
  readonly link: Link | undefined;
  stats(): { vars: number; instances: number; rowsInList: number; rowsInDom: number };
}

/** Builds the page's model and views, wires the page's controls, and connects. */
function startInspector(): void {
  const elements = pageElements();
  const model = new InspectorModel(new Space());
  const tree = new TreeView(model, elements, new SparklineView(model.history));
  const detail = new DetailView(model, elements.detail);
  const renderer = new Renderer(model, {
    tree,
    detail,
    instances: new InstancesView(model, elements.instances),
    log: new EventLogView(elements.log),
  });
  model.observer = renderer;

  const traffic = new TrafficSeries();
  const chart = new TrafficChartView(traffic);
  elements.detail.parentElement!.prepend(...chart.section);
  pollStats('/stats', 1000, (stats, time) => {
    traffic.add(stats, time);
    chart.draw();
  });

  elements.tree.addEventListener('scroll', () => renderer.schedule(), { passive: true });
  new ResizeObserver(() => renderer.schedule()).observe(elements.tree);
  elements.rows.addEventListener('click', (event) => {
    const row = (event.target as HTMLElement).closest<HTMLElement>('.row');
    if (!row) return;
    if (row.dataset.ns !== undefined) model.toggle(row.dataset.ns);
    else if (row.dataset.fqn !== undefined) {
      const entry = model.tree.get(row.dataset.fqn);
      if (entry) {
        model.select(entry);
        detail.show(entry);
      }
    }
  });
  elements.expandAll.addEventListener('click', () => model.setExpandedAll(true));
  elements.collapseAll.addEventListener('click', () => model.setExpandedAll(false));
  new FilterBox({
    input: elements.filter,
    error: elements.filterError,
    onApply: (pattern) => {
      model.setFilter(pattern);
      elements.tree.scrollTop = 0;
    },
  });

  const handle: InspectorHandle = {
    space: model.space,
    get link() {
      return model.link;
    },
    stats: () => ({
      vars: model.tree.size,
      instances: model.instances.size,
      rowsInList: tree.rowCount,
      rowsInDom: elements.rows.childElementCount,
    }),
  };
  (window as unknown as { varspaceInspector: InspectorHandle }).varspaceInspector = handle;

  void connectToHub(model, elements, renderer);
}

/** Connects to the hub that served the page, follows everything, and marks the page synced. */
async function connectToHub(model: InspectorModel, elements: PageElements, renderer: Renderer): Promise<void> {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
  elements.status.textContent = 'connecting';
  model.space.events$().subscribe((event) => model.apply(event));
  let link: Link;
  try {
    // A hub with `authenticate` needs a token: open the page as `/?token=…`.
    const token = new URLSearchParams(location.search).get('token') ?? undefined;
    link = await connect(url, {
      space: model.space,
      token,
      attributes: { processType: 'browser', appName: 'inspector', role: 'inspector' },
    });
  } catch (error) {
    elements.status.textContent = `cannot connect: ${(error as Error).message}`;
    elements.status.className = 'status closed';
    return;
  }
  model.link = link;
  link.status$.subscribe((status) => {
    elements.status.textContent = status;
    elements.status.className = `status ${status}`;
    document.body.dataset.status = status;
  });
  link.updates$.subscribe((tagged) => {
    if (!isSystemName(tagged.fqn)) model.setValue(tagged.fqn, tagged.value, tagged.from, tagged.stamp);
  });
  elements.hub.textContent = url;
  new ChannelsView(link, document.querySelector('aside')!);
  new ServicesView(link, document.getElementById('services')!);
  await Promise.all([link.follow(`${SYS_INSTANCES}/*`).synced, link.follow('>').synced]);
  model.snapshotDone();
  document.body.dataset.synced = 'true';
  renderer.schedule();
}

startInspector();
