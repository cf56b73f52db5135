// The inspector page's code (runs in the browser). Bundled by scripts/build-browser.mjs into
// inspector.js, which imports the library from the bundle the hub serves beside it
// (./varspace.js). It connects to the hub that served the page, follows `>` and
// `$sys.instances/*`, and shows the namespace tree with live values, the connected instances
// and an event log. Values can be edited (JSON) and are written with `link.set`.
//
// Built to stay responsive with 10,000+ vars: the tree is a virtual list (only the rows in view
// are in the DOM), namespaces start collapsed once the space is large, values are turned into
// text only when their row is drawn, and all drawing happens once per animation frame.

import { Space, connect, parsePattern, type Link, type SpaceEvent } from '../../browser.js';

/** Pixel height of one tree row (the virtual list relies on it). */
const ROW_HEIGHT = 22;
/** Pixels from the tree's left edge to the value column. */
const NAME_COLUMN = 240;
/** Rows drawn above and below the visible ones. */
const OVERSCAN = 12;
/** A new namespace starts expanded while the space holds fewer vars than this. */
const AUTO_EXPAND_BELOW = 100;
/** Entries kept in the event log. */
const LOG_LIMIT = 300;
const SYS_INSTANCES = '$sys.instances';

interface NsNode {
  /** Full name (`ui.buttons`); '' for the root. */
  readonly name: string;
  /** Last token. */
  readonly label: string;
  readonly depth: number;
  readonly parent: NsNode | undefined;
  readonly children: Map<string, NsNode>;
  readonly vars: Map<string, VarEntry>;
  /** Vars in this namespace and below. */
  count: number;
  expanded: boolean;
  sortedChildren: NsNode[] | undefined;
  sortedVars: VarEntry[] | undefined;
}

interface VarEntry {
  readonly fqn: string;
  readonly name: string;
  readonly ns: NsNode;
  value: unknown;
  bound: boolean;
  from: string | undefined;
  stamp: string | undefined;
  /** The row showing it, while it is drawn. */
  row: HTMLElement | undefined;
}

interface InstanceEntry {
  readonly instanceId: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly connectedAt: number;
}

type Row = { kind: 'ns'; node: NsNode } | { kind: 'var'; entry: VarEntry; flat: boolean };

// ---- state ----

const space = new Space();
let link: Link | undefined;
const root: NsNode = newNode('', '', -1, undefined);
const entries = new Map<string, VarEntry>();
const instances = new Map<string, InstanceEntry>();
/** Attributes of every instance seen, kept after it leaves, to name the writers of old values. */
const seenInstances = new Map<string, InstanceEntry>();
let rows: Row[] = [];
/** The entries whose rows are in the DOM now. */
const drawnEntries: VarEntry[] = [];
let rowsDirty = true;
let filterPattern: string | undefined;
let selected: VarEntry | undefined;
let snapshotDone = false;
const changed = new Set<VarEntry>();
const pendingLog: { kind: string; text: string; time: number }[] = [];
let frameRequested = false;
let instancesDirty = true;

// ---- DOM ----

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  status: $('status'),
  counts: $('counts'),
  filter: $<HTMLInputElement>('filter'),
  filterError: $('filter-error'),
  tree: $('tree'),
  spacer: $('spacer'),
  rows: $('rows'),
  detail: $('detail'),
  instances: $('instances'),
  log: $('log'),
};

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

// ---- the model ----

function newNode(name: string, label: string, depth: number, parent: NsNode | undefined): NsNode {
  return { name, label, depth, parent, children: new Map(), vars: new Map(), count: 0, expanded: false, sortedChildren: undefined, sortedVars: undefined };
}

function nodeFor(nsName: string): NsNode {
  let node = root;
  for (const token of nsName.split('.')) {
    let child = node.children.get(token);
    if (!child) {
      child = newNode(node.name === '' ? token : `${node.name}.${token}`, token, node.depth + 1, node);
      // Collapsed while the first snapshot arrives (it may be huge); see start().
      child.expanded = snapshotDone && entries.size < AUTO_EXPAND_BELOW;
      node.children.set(token, child);
      node.sortedChildren = undefined;
    }
    node = child;
  }
  return node;
}

function addVar(fqn: string): VarEntry {
  const found = entries.get(fqn);
  if (found) return found;
  const slash = fqn.indexOf('/');
  const ns = nodeFor(fqn.slice(0, slash));
  const entry: VarEntry = { fqn, name: fqn.slice(slash + 1), ns, value: undefined, bound: false, from: undefined, stamp: undefined, row: undefined };
  entries.set(fqn, entry);
  ns.vars.set(entry.name, entry);
  ns.sortedVars = undefined;
  for (let node: NsNode | undefined = ns; node; node = node.parent) node.count++;
  structureChanged();
  return entry;
}

function removeVar(fqn: string): void {
  const entry = entries.get(fqn);
  if (!entry) return;
  entries.delete(fqn);
  entry.ns.vars.delete(entry.name);
  entry.ns.sortedVars = undefined;
  for (let node: NsNode | undefined = entry.ns; node; node = node.parent) node.count--;
  // Drop namespaces left empty.
  for (let node: NsNode | undefined = entry.ns; node && node !== root && node.count === 0; node = node.parent) {
    node.parent!.children.delete(node.label);
    node.parent!.sortedChildren = undefined;
  }
  changed.delete(entry);
  if (selected === entry) showDetail(entry, 'unmapped');
  structureChanged();
}

function setValue(fqn: string, value: unknown, from: string | undefined, stamp: string | undefined): void {
  const entry = entries.get(fqn) ?? addVar(fqn);
  entry.value = value;
  entry.bound = true;
  entry.from = from;
  entry.stamp = stamp;
  changed.add(entry);
  schedule();
}

function structureChanged(): void {
  rowsDirty = true;
  schedule();
}

// ---- text helpers ----

function shortJson(value: unknown, bound: boolean, limit = 160): string {
  if (!bound) return 'unbound';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** The wall time in a hybrid-clock stamp (its first 12 hex digits are epoch ms). */
function stampTime(stamp: string | undefined): number | undefined {
  if (!stamp) return undefined;
  const ms = parseInt(stamp.slice(0, 12), 16);
  return Number.isFinite(ms) ? ms : undefined;
}

function clockText(ms: number | undefined): string {
  if (ms === undefined) return '';
  const date = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** An instance's display name: its identity or app name (with role), else a short id. */
function writerName(instanceId: string | undefined): string {
  if (instanceId === undefined) return '';
  if (link && instanceId === link.instanceId) return 'this inspector';
  if (link && instanceId === link.hubId) return 'hub';
  const info = instances.get(instanceId) ?? seenInstances.get(instanceId);
  const named = info?.attributes.identity ?? info?.attributes.appName;
  return named ? `${named} ${instanceId.slice(0, 8)}` : instanceId.slice(0, 8);
}

// ---- the tree (a virtual list) ----

function flatten(): Row[] {
  if (filterPattern !== undefined) {
    return space
      .match(filterPattern)
      .map((target) => entries.get(target.fqn))
      .filter((entry): entry is VarEntry => entry !== undefined)
      .sort((a, b) => (a.fqn < b.fqn ? -1 : a.fqn > b.fqn ? 1 : 0))
      .map((entry) => ({ kind: 'var', entry, flat: true }));
  }
  const out: Row[] = [];
  const walk = (node: NsNode) => {
    node.sortedChildren ??= [...node.children.values()].sort((a, b) => (a.label < b.label ? -1 : 1));
    for (const child of node.sortedChildren) {
      out.push({ kind: 'ns', node: child });
      if (child.expanded) walk(child);
    }
    if (node !== root && node.expanded) {
      node.sortedVars ??= [...node.vars.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const entry of node.sortedVars) out.push({ kind: 'var', entry, flat: false });
    }
  };
  walk(root);
  return out;
}

function drawRows(): void {
  if (rowsDirty) {
    rows = flatten();
    rowsDirty = false;
    ui.spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
  }
  for (const entry of drawnEntries) entry.row = undefined;
  drawnEntries.length = 0;
  const first = Math.max(0, Math.floor(ui.tree.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((ui.tree.scrollTop + ui.tree.clientHeight) / ROW_HEIGHT) + OVERSCAN);
  const fragment = document.createDocumentFragment();
  for (let i = first; i < last; i++) fragment.append(drawRow(rows[i], i));
  ui.rows.replaceChildren(fragment);
  ui.counts.textContent = `${entries.size.toLocaleString()} vars · ${instances.size} instances${filterPattern !== undefined ? ` · ${rows.length.toLocaleString()} match` : ''}`;
}

function drawRow(row: Row, index: number): HTMLElement {
  const el = element('div', 'row');
  el.style.top = `${index * ROW_HEIGHT}px`;
  if (row.kind === 'ns') {
    const { node } = row;
    el.classList.add('ns');
    el.dataset.ns = node.name;
    el.style.paddingLeft = `${8 + node.depth * 16}px`;
    el.append(element('span', 'twisty', node.expanded ? '▾' : '▸'), element('span', 'label', node.label), element('span', 'count', String(node.count)));
    el.title = `${node.name} — ${node.count} vars (click to ${node.expanded ? 'collapse' : 'expand'})`;
    return el;
  }
  const { entry } = row;
  el.classList.add('var');
  if (entry === selected) el.classList.add('selected');
  el.dataset.fqn = entry.fqn;
  const indent = row.flat ? 0 : (entry.ns.depth + 1) * 16;
  el.style.paddingLeft = `${8 + indent}px`;
  const name = element('span', 'name', row.flat ? entry.fqn : entry.name);
  // Values line up in one column whatever the depth.
  name.style.width = row.flat ? '40%' : `${Math.max(90, NAME_COLUMN - indent)}px`;
  el.append(
    name,
    element('span', 'value', shortJson(entry.value, entry.bound)),
    element('span', 'writer', writerName(entry.from)),
    element('span', 'time', clockText(stampTime(entry.stamp))),
  );
  el.title = entry.from ? `${entry.fqn} — last written by ${entry.from}` : entry.fqn;
  entry.row = el;
  drawnEntries.push(entry);
  return el;
}

function refreshRow(entry: VarEntry): void {
  const el = entry.row;
  if (!el) return;
  (el.children[1] as HTMLElement).textContent = shortJson(entry.value, entry.bound);
  (el.children[2] as HTMLElement).textContent = writerName(entry.from);
  (el.children[3] as HTMLElement).textContent = clockText(stampTime(entry.stamp));
  if (entry.from) el.title = `${entry.fqn} — last written by ${entry.from}`;
  el.animate([{ backgroundColor: 'var(--flash)' }, { backgroundColor: 'transparent' }], { duration: 900, easing: 'ease-out' });
}

ui.tree.addEventListener('scroll', () => schedule(), { passive: true });
new ResizeObserver(() => schedule()).observe(ui.tree);
ui.rows.addEventListener('click', (event) => {
  const el = (event.target as HTMLElement).closest<HTMLElement>('.row');
  if (!el) return;
  if (el.dataset.ns !== undefined) {
    const node = nodeAt(el.dataset.ns);
    if (node) {
      node.expanded = !node.expanded;
      structureChanged();
    }
  } else if (el.dataset.fqn !== undefined) {
    const entry = entries.get(el.dataset.fqn);
    if (entry) select(entry);
  }
});

function nodeAt(name: string): NsNode | undefined {
  let node: NsNode | undefined = root;
  for (const token of name.split('.')) node = node?.children.get(token);
  return node;
}

function setExpandedAll(expanded: boolean): void {
  const walk = (node: NsNode) => {
    for (const child of node.children.values()) {
      child.expanded = expanded;
      walk(child);
    }
  };
  walk(root);
  structureChanged();
}
$('expand-all').addEventListener('click', () => setExpandedAll(true));
$('collapse-all').addEventListener('click', () => setExpandedAll(false));

// ---- the filter ----

let filterTimer: ReturnType<typeof setTimeout> | undefined;
ui.filter.addEventListener('input', () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(applyFilter, 120);
});
ui.filter.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    clearTimeout(filterTimer);
    applyFilter();
  }
});

function applyFilter(): void {
  const text = ui.filter.value.trim();
  let pattern: string | undefined;
  let problem = '';
  if (text !== '') {
    try {
      parsePattern(text);
      pattern = text;
    } catch (error) {
      problem = (error as Error).message;
    }
  }
  ui.filter.classList.toggle('invalid', problem !== '');
  ui.filterError.textContent = problem;
  if (problem !== '') return; // keep showing the last good view
  filterPattern = pattern;
  ui.tree.scrollTop = 0;
  structureChanged();
}

// ---- the selected var: value and JSON editor ----

function select(entry: VarEntry): void {
  selected = entry;
  showDetail(entry);
  structureChanged();
}

let editorDirty = false;

function showDetail(entry: VarEntry, note?: string): void {
  editorDirty = false;
  const panel = ui.detail;
  panel.replaceChildren();
  panel.append(element('h2', 'fqn', entry.fqn));
  const meta = element('div', 'meta');
  meta.dataset.role = 'meta';
  panel.append(meta);
  const editor = element('textarea', 'editor');
  editor.spellcheck = false;
  editor.value = entry.bound ? JSON.stringify(entry.value, null, 2) ?? '' : '';
  editor.setAttribute('aria-label', `JSON value of ${entry.fqn}`);
  const message = element('div', 'message');
  const save = element('button', 'save', 'Save');
  save.title = 'Write the value through the link (Ctrl+Enter)';
  const revert = element('button', 'revert', 'Revert');
  const buttons = element('div', 'buttons');
  buttons.append(save, revert, message);
  panel.append(editor, buttons);
  updateDetailMeta(entry, note);

  const check = (): unknown => {
    try {
      const value = JSON.parse(editor.value);
      editor.classList.remove('invalid');
      message.className = 'message';
      message.textContent = editorDirty ? 'edited — not saved' : '';
      save.disabled = false;
      return value;
    } catch (error) {
      editor.classList.add('invalid');
      message.className = 'message error';
      message.textContent = `invalid JSON: ${(error as Error).message}`;
      save.disabled = true;
      return undefined;
    }
  };
  editor.addEventListener('input', () => {
    editorDirty = true;
    check();
  });
  const write = async () => {
    const before = editor.value;
    const value = check();
    if (save.disabled || !link) return;
    save.disabled = true;
    message.className = 'message';
    message.textContent = 'saving…';
    try {
      const ack = await link.set(entry.fqn, value);
      if (selected !== entry) return;
      setValue(entry.fqn, value, link.instanceId, ack.stamp);
      editorDirty = editor.value !== before;
      message.className = 'message ok';
      message.textContent = `saved (revision ${ack.rev})`;
      updateDetailMeta(entry);
    } catch (error) {
      const { code, message: text } = error as { code?: string; message?: string };
      message.className = 'message error';
      message.textContent = `${code ?? 'error'}: ${text ?? String(error)}`;
    } finally {
      save.disabled = false;
    }
  };
  save.addEventListener('click', () => void write());
  editor.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void write();
    }
  });
  revert.addEventListener('click', () => showDetail(entry));
}

function updateDetailMeta(entry: VarEntry, note?: string): void {
  const meta = ui.detail.querySelector<HTMLElement>('[data-role=meta]');
  if (!meta) return;
  const writer = entry.from ? `${writerName(entry.from)} (${entry.from})` : '—';
  // The time is its own span so that a narrow panel wraps the long instance id, never the time.
  meta.replaceChildren('last writer: ', element('span', 'writer', writer), ' · ', element('span', 'time', clockText(stampTime(entry.stamp)) || 'no write seen'), note ? ` · ${note}` : '');
}

/** The selected var changed: show the new value unless the user is editing it. */
function refreshDetail(entry: VarEntry): void {
  updateDetailMeta(entry);
  const editor = ui.detail.querySelector<HTMLTextAreaElement>('textarea');
  if (!editor) return;
  if (!editorDirty) editor.value = entry.bound ? JSON.stringify(entry.value, null, 2) ?? '' : '';
  else {
    const message = ui.detail.querySelector<HTMLElement>('.message');
    if (message) {
      message.className = 'message warn';
      message.textContent = 'changed remotely while you edit — Revert shows the new value';
    }
  }
}

// ---- instances and the event log ----

function drawInstances(): void {
  const list = [...instances.values()].sort((a, b) => a.connectedAt - b.connectedAt);
  const fragment = document.createDocumentFragment();
  for (const info of list) {
    const item = element('li');
    item.dataset.instance = info.instanceId;
    const mine = link !== undefined && info.instanceId === link.instanceId;
    const title = info.attributes.identity ?? info.attributes.appName ?? 'instance';
    item.append(element('div', 'who', `${title}${mine ? ' (this inspector)' : ''}`), element('div', 'id', info.instanceId));
    const attributes = Object.entries(info.attributes).map(([key, value]) => `${key}=${value}`).join(' ');
    const attrs = element('div', 'attrs', `${attributes || 'no attributes'} · since `);
    attrs.append(element('span', 'time', clockText(info.connectedAt)));
    item.append(attrs);
    fragment.append(item);
  }
  ui.instances.replaceChildren(fragment);
}

function log(kind: string, text: string): void {
  pendingLog.push({ kind, text, time: Date.now() });
  schedule();
}

function drawLog(): void {
  const fragment = document.createDocumentFragment();
  for (const item of pendingLog.splice(0).slice(-LOG_LIMIT).reverse()) {
    const line = element('li', `event ${item.kind}`);
    line.append(element('span', 'time', clockText(item.time)), element('span', 'kind', item.kind), element('span', 'text', item.text));
    fragment.append(line);
  }
  ui.log.prepend(fragment);
  while (ui.log.childElementCount > LOG_LIMIT) ui.log.lastElementChild!.remove();
}

// ---- one frame: draw what changed ----

function schedule(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(frame);
}

function frame(): void {
  frameRequested = false;
  if (rowsDirty || ui.rows.childElementCount === 0 || needsRedraw()) drawRows();
  for (const entry of changed) {
    refreshRow(entry);
    if (entry === selected) refreshDetail(entry);
  }
  changed.clear();
  if (instancesDirty) {
    instancesDirty = false;
    drawInstances();
    drawRows(); // writer names may have changed
  }
  if (pendingLog.length > 0) drawLog();
}

let drawnScrollTop = -1;
let drawnHeight = -1;
function needsRedraw(): boolean {
  const moved = ui.tree.scrollTop !== drawnScrollTop || ui.tree.clientHeight !== drawnHeight;
  drawnScrollTop = ui.tree.scrollTop;
  drawnHeight = ui.tree.clientHeight;
  return moved;
}

// ---- the link ----

function onEvent(event: SpaceEvent): void {
  if (event.type === 'var-interned') {
    if (event.ns === SYS_INSTANCES) {
      const info = space.resolve<InstanceEntry>(event.fqn)?.getValue();
      if (info) {
        instances.set(info.instanceId, info);
        seenInstances.set(info.instanceId, info);
        instancesDirty = true;
        if (snapshotDone) log('joined', `${writerName(info.instanceId)} ${describeAttributes(info.attributes)}`);
        schedule();
      }
      return;
    }
    if (event.fqn.charCodeAt(0) === 36) return;
    addVar(event.fqn);
    if (snapshotDone) log('interned', `${event.fqn}${event.origin ? ` by ${writerName(event.origin)}` : ''}`);
  } else if (event.type === 'var-unmapped') {
    if (event.ns === SYS_INSTANCES) {
      const id = event.fqn.slice(SYS_INSTANCES.length + 1);
      const name = writerName(id);
      instances.delete(id);
      instancesDirty = true;
      log('left', name);
      schedule();
      return;
    }
    if (event.fqn.charCodeAt(0) === 36) return;
    removeVar(event.fqn);
    log('unmapped', `${event.fqn}${event.origin ? ` by ${writerName(event.origin)}` : ''}`);
  }
}

function describeAttributes(attributes: Readonly<Record<string, string>>): string {
  const text = Object.entries(attributes).map(([key, value]) => `${key}=${value}`).join(' ');
  return text ? `(${text})` : '';
}

async function start(): Promise<void> {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
  ui.status.textContent = 'connecting';
  space.events$().subscribe(onEvent);
  try {
    // A hub with `authenticate` needs a token: open the page as `/?token=…`.
    const token = new URLSearchParams(location.search).get('token') ?? undefined;
    link = await connect(url, { space, token, attributes: { processType: 'browser', appName: 'inspector', role: 'inspector' } });
  } catch (error) {
    ui.status.textContent = `cannot connect: ${(error as Error).message}`;
    ui.status.className = 'status closed';
    return;
  }
  link.status$.subscribe((status) => {
    ui.status.textContent = status;
    ui.status.className = `status ${status}`;
    document.body.dataset.status = status;
  });
  link.updates$.subscribe((tagged) => {
    if (tagged.fqn.charCodeAt(0) !== 36) setValue(tagged.fqn, tagged.value, tagged.from, tagged.stamp);
  });
  $('hub').textContent = url;
  await Promise.all([link.follow(`${SYS_INSTANCES}/*`).synced, link.follow('>').synced]);
  snapshotDone = true;
  if (entries.size < AUTO_EXPAND_BELOW) setExpandedAll(true);
  log('snapshot', `${entries.size.toLocaleString()} vars, ${instances.size} instances`);
  document.body.dataset.synced = 'true';
  schedule();
}

/** For tests and curious users: `window.varspaceInspector`. */
(window as unknown as { varspaceInspector: unknown }).varspaceInspector = {
  space,
  get link() {
    return link;
  },
  stats: () => ({ vars: entries.size, instances: instances.size, rowsInList: rows.length, rowsInDom: ui.rows.childElementCount }),
};

void start();
