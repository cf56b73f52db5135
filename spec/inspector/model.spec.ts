/**
 * The inspector's model without a browser: the namespace tree and its counts, the rows it shows
 * (tree or filter), what it tells its observer, and the instances it names writers by.
 */
import { Space } from '../../src/index.js';
import { InspectorModel, type ModelObserver } from '../../src/inspector/model.js';
import type { Row, VarEntry } from '../../src/inspector/ns-tree.js';

function recorder(): ModelObserver & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    structureChanged: () => calls.push('structure'),
    valueChanged: (entry: VarEntry) => calls.push(`value ${entry.fqn}`),
    varRemoved: (entry: VarEntry) => calls.push(`removed ${entry.fqn}`),
    instancesChanged: () => calls.push('instances'),
    logged: (kind: string, text: string) => calls.push(`log ${kind} ${text}`),
  };
}

const labels = (rows: Row[]) =>
  rows.map((row) => (row.kind === 'ns' ? `ns ${row.node.name}` : `var ${row.flat ? row.entry.fqn : row.entry.name}`));

function modelWith(...fqns: string[]): { model: InspectorModel; space: Space; observer: ReturnType<typeof recorder> } {
  const space = new Space();
  const model = new InspectorModel(space);
  const observer = recorder();
  model.observer = observer;
  space.events$().subscribe((event) => model.apply(event));
  for (const fqn of fqns) space.intern(fqn, 0);
  return { model, space, observer };
}

test('vars interned before the snapshot start collapsed; a small space opens fully when the snapshot is in', () => {
  const { model, observer } = modelWith('ui.buttons/b2', 'ui.buttons/b1', 'ui/theme', 'a/x');
  expect(labels(model.rows())).toEqual(['ns a', 'ns ui']);
  expect(model.tree.root.children.get('ui')!.count).toBe(3);
  expect(observer.calls.filter((call) => call.startsWith('log'))).toEqual([]);
  model.snapshotDone();
  expect(labels(model.rows())).toEqual(['ns a', 'var x', 'ns ui', 'ns ui.buttons', 'var b1', 'var b2', 'var theme']);
  expect(observer.calls.at(-1)).toBe('log snapshot 4 vars, 0 instances');
});

test('a namespace a new var creates after the snapshot opens while the space is small; toggle closes it', () => {
  const { model, space, observer } = modelWith('a/x');
  model.snapshotDone();
  observer.calls.length = 0;
  space.intern('b.c/y', 1);
  expect(labels(model.rows())).toEqual(['ns a', 'var x', 'ns b', 'ns b.c', 'var y']);
  expect(observer.calls).toEqual(['structure', 'log interned b.c/y']);
  model.toggle('b');
  expect(labels(model.rows())).toEqual(['ns a', 'var x', 'ns b']);
});

test('unmapping a var drops the namespaces it leaves empty, tells the observer, and logs it', () => {
  const { model, space, observer } = modelWith('a.b/x', 'a/y');
  model.snapshotDone();
  observer.calls.length = 0;
  space.unmap('a.b/x');
  expect(model.tree.nodeAt('a.b')).toBeUndefined();
  expect(model.tree.root.children.get('a')!.count).toBe(1);
  expect(model.tree.size).toBe(1);
  expect(observer.calls).toEqual(['removed a.b/x', 'structure', 'log unmapped a.b/x']);
});

test('the filter shows the matching vars flat, by FQN; no filter shows the tree again', () => {
  const { model } = modelWith('e.ui.buttons/b2', 'e.admin.buttons/b9', 'e.ui.buttons/b1', 'e.ui/theme');
  model.setFilter('e.*.buttons/*');
  expect(labels(model.rows())).toEqual(['var e.admin.buttons/b9', 'var e.ui.buttons/b1', 'var e.ui.buttons/b2']);
  model.setFilter(undefined);
  expect(labels(model.rows())).toEqual(['ns e']);
});

test('a write records value, writer and stamp; a write of an unknown var adds it', () => {
  const { model, observer } = modelWith();
  model.setValue('n/v', { a: 1 }, 'writer-id', '0190a1b2c3d4-0000');
  const entry = model.tree.get('n/v')!;
  expect(entry).toMatchObject({ value: { a: 1 }, bound: true, from: 'writer-id', stamp: '0190a1b2c3d4-0000' });
  expect(observer.calls).toEqual(['structure', 'value n/v']);
});

test('system names stay out of the tree; instances name the writers, also after they leave', () => {
  const { model, space, observer } = modelWith();
  model.snapshotDone();
  observer.calls.length = 0;
  const id = '0123456789abcdef';
  // As a link does when the hub lists an instance.
  space.ensure(`$sys.instances/${id}`, { system: true }, { instanceId: id, attributes: { appName: 'dash', role: 'ui' }, connectedAt: 1 });
  expect(model.tree.size).toBe(0);
  expect(model.instances.size).toBe(1);
  expect(model.writerName(id)).toBe('dash 01234567');
  expect(observer.calls).toEqual(['instances', 'log joined dash 01234567 (appName=dash role=ui)']);
  space.unmap(`$sys.instances/${id}`);
  expect(model.instances.size).toBe(0);
  expect(model.writerName(id)).toBe('dash 01234567');
  expect(model.writerName('fedcba9876543210')).toBe('fedcba98');
  expect(observer.calls.at(-1)).toBe('log left dash 01234567');
});
