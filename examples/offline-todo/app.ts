// The offline todo page `varspace demo` serves at /examples/offline-todo/ (built by `npm run build`
// into dist/browser/examples/offline-todo/; `../../src/browser.js` becomes the hub's /varspace.js).
// Plain DOM, no framework: the page shows that the library alone keeps an app working offline.
// Each todo is a var of its own (`todos.items/<id>`), so two devices adding todos offline merge
// (last writer wins per var) instead of one list overwriting the other; a delete is an unmap,
// which travels as a stamped tombstone. The state and the writes made offline live in IndexedDB
// (`indexedDbPersister`); with `offline: true` the page opens even when the hub is down, and a
// service worker (sw.ts) keeps the page's files so that a reload works without the hub too.

import type { Var } from '../../src/browser.js';
import { Space, connect, indexedDbPersister } from '../../src/browser.js';

/** One todo, the value of `todos.items/<id>`. */
interface Todo {
  readonly text: string;
  readonly done: boolean;
  /** When it was added (ms), for the order of the list. */
  readonly at: number;
}

const ITEMS = 'todos.items/*';
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

void navigator.serviceWorker?.register('/examples/offline-todo/sw.js').catch(() => {
  // Without it (a non-secure origin) the page still works; it just cannot load while the hub is down.
});

const space = new Space();
const options = {
  space,
  attributes: { appName: 'offline-todo', processType: 'browser' },
  persist: indexedDbPersister('offline-todo'),
  offline: true,
};
const link = await connect(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`, options);
link.sync('todos.>');

let drawing = false;
function draw(): void {
  if (drawing) return;
  drawing = true;
  requestAnimationFrame(() => {
    drawing = false;
    const items = (space.match(ITEMS) as Var<Todo | undefined>[])
      .filter((item) => item.getValue() !== undefined)
      .sort((a, b) => a.getValue()!.at - b.getValue()!.at);
    byId('list').replaceChildren(...items.map(row));
  });
}

function row(item: Var<Todo | undefined>): HTMLLIElement {
  const todo = item.getValue()!;
  const li = document.createElement('li');
  li.dataset.fqn = item.fqn;
  li.className = todo.done ? 'done' : '';
  const done = document.createElement('input');
  done.type = 'checkbox';
  done.checked = todo.done;
  done.onchange = () => item.swap((t) => (t ? { ...t, done: !t.done } : t));
  const text = document.createElement('span');
  text.textContent = todo.text;
  const remove = document.createElement('button');
  remove.textContent = '✕';
  remove.title = 'delete';
  remove.onclick = () => space.unmap(item.fqn);
  li.append(done, text, remove);
  return li;
}

space.vars$(ITEMS).subscribe((item) => item.subscribe({ next: draw, complete: draw }));
space.events$(ITEMS).subscribe(draw);

byId<HTMLFormElement>('add').onsubmit = (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('text');
  if (input.value.trim() === '') return;
  space.intern<Todo>(`todos.items/${crypto.randomUUID()}`, { text: input.value.trim(), done: false, at: Date.now() });
  input.value = '';
  markSaved();
};

/** Writes reach IndexedDB at the end of their tick: `data-saved` says when every one so far is stored (a reload before may lose it). */
let saving = 0;
function markSaved(): void {
  saving++;
  document.body.dataset.saved = 'false';
  void link.persisted().then(() => {
    if (--saving === 0) document.body.dataset.saved = 'true';
  });
}

link.status$.subscribe((status) => {
  const element = byId('status');
  element.className = status;
  element.textContent = status === 'open' ? 'online' : `${status}: changes are kept on this device and sent when the hub is back`;
});
document.body.dataset.ready = 'true';
