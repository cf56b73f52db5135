import type { Link, Space, SpaceEvent } from '../browser.js';
import { attributesText } from './format.js';
import { NsTree, type Row, type VarEntry } from './ns-tree.js';
import { ValueHistory } from './value-history.js';

/** A namespace starts expanded while the space holds fewer vars than this (once the snapshot is in). */
export const AUTO_EXPAND_BELOW = 100;
/** The namespace in which the hub lists the connected instances. */
export const SYS_INSTANCES = '$sys.instances';
/** `$`: the first character of a system name (`$sys.…`). */
const DOLLAR = 36;

/** Whether a name is a system one (`$sys.…`), which the tree does not show. */
export function isSystemName(fqn: string): boolean {
  return fqn.charCodeAt(0) === DOLLAR;
}

/** An instance connected to the hub, as `$sys.instances/<id>` holds it. */
export interface InstanceEntry {
  readonly instanceId: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly connectedAt: number;
}

/**
 * What the model tells the page as it changes; the page draws it on its next frame
 * (`renderer.ts`).
 */
export interface ModelObserver {
  /** Vars or namespaces came or went, a namespace opened or closed, the filter or selection changed. */
  structureChanged(): void;
  /** A var has a new value. */
  valueChanged(entry: VarEntry): void;
  /** A var was unmapped (`structureChanged` follows). */
  varRemoved(entry: VarEntry): void;
  /** An instance joined or left. */
  instancesChanged(): void;
  /** Something to show in the event log. */
  logged(kind: string, text: string): void;
}

/**
 * The inspector's state: the vars of the hub's space (as a namespace tree with their last writes),
 * the connected instances, the filter and the selected var. It turns the space's events and the
 * link's updates into that state, and tells its {@link observer} what changed. No DOM.
 *
 * @example
 * const model = new InspectorModel(space);
 * model.observer = renderer;
 * space.events$().subscribe((event) => model.apply(event));
 */
export class InspectorModel {
  readonly tree = new NsTree();
  /** Recent numeric values of each var (the sparklines'). */
  readonly history = new ValueHistory();
  /** Connected instances, by id. */
  readonly instances = new Map<string, InstanceEntry>();
  /** Every instance seen, kept after it leaves, to name the writers of old values. */
  private readonly seenInstances = new Map<string, InstanceEntry>();
  /** Who hears of changes (the page's renderer); set once, before the link connects. */
  observer: ModelObserver | undefined;
  /** The link to the hub, once connected. */
  link: Link | undefined;
  /** The filter's pattern; undefined shows the tree. */
  filterPattern: string | undefined;
  selected: VarEntry | undefined;
  /** Whether the first snapshot is in (before, new namespaces start collapsed and nothing is logged). */
  private synced = false;

  /** @param space the space the link fills with the hub's vars. */
  constructor(readonly space: Space) {}

  /** Takes in one event of the space: a var (or instance) interned or unmapped. */
  apply(event: SpaceEvent): void {
    if (event.type === 'var-interned') {
      if (event.ns === SYS_INSTANCES) {
        const info = this.space.resolve<InstanceEntry>(event.fqn)?.getValue();
        if (info) {
          this.instances.set(info.instanceId, info);
          this.seenInstances.set(info.instanceId, info);
          this.observer?.instancesChanged();
          if (this.synced) this.log('joined', `${this.writerName(info.instanceId)} ${inParentheses(attributesText(info.attributes))}`);
        }
        return;
      }
      if (isSystemName(event.fqn)) return;
      this.addVar(event.fqn);
      if (this.synced) this.log('interned', `${event.fqn}${this.byText(event.origin)}`);
    } else if (event.type === 'var-unmapped') {
      if (event.ns === SYS_INSTANCES) {
        const id = event.fqn.slice(SYS_INSTANCES.length + 1);
        const name = this.writerName(id);
        this.instances.delete(id);
        this.observer?.instancesChanged();
        this.log('left', name);
        return;
      }
      if (isSystemName(event.fqn)) return;
      this.removeVar(event.fqn);
      this.log('unmapped', `${event.fqn}${this.byText(event.origin)}`);
    }
  }

  /** Records a write of a var (adding the var if new): from the link's updates, or the page's own save. */
  setValue(fqn: string, value: unknown, from: string | undefined, stamp: string | undefined): void {
    const entry = this.tree.get(fqn) ?? this.addVar(fqn);
    entry.value = value;
    entry.bound = true;
    entry.from = from;
    entry.stamp = stamp;
    this.history.record(fqn, value);
    this.observer?.valueChanged(entry);
  }

  /** The first snapshot is in: a small space opens fully, and the log says what arrived. */
  snapshotDone(): void {
    this.synced = true;
    if (this.tree.size < AUTO_EXPAND_BELOW) this.setExpandedAll(true);
    this.log('snapshot', `${this.tree.size.toLocaleString()} vars, ${this.instances.size} instances`);
  }

  /** Selects a var (the detail panel shows it). */
  select(entry: VarEntry): void {
    this.selected = entry;
    this.observer?.structureChanged();
  }

  /** Shows the vars matching a (valid) pattern, flat; undefined shows the tree. */
  setFilter(pattern: string | undefined): void {
    this.filterPattern = pattern;
    this.observer?.structureChanged();
  }

  /** Opens or closes the namespace of this full name. */
  toggle(nsName: string): void {
    const node = this.tree.nodeAt(nsName);
    if (!node) return;
    node.expanded = !node.expanded;
    this.observer?.structureChanged();
  }

  /** Opens or closes every namespace. */
  setExpandedAll(expanded: boolean): void {
    this.tree.setExpandedAll(expanded);
    this.observer?.structureChanged();
  }

  /** The rows to show: the filter's matches, or the tree. */
  rows(): Row[] {
    return this.filterPattern !== undefined ? this.tree.flatRows(this.space.match(this.filterPattern)) : this.tree.rows();
  }

  /** An instance's display name: its identity or app name (with a short id), else a short id. */
  writerName(instanceId: string | undefined): string {
    if (instanceId === undefined) return '';
    if (this.link && instanceId === this.link.instanceId) return 'this inspector';
    if (this.link && instanceId === this.link.hubId) return 'hub';
    const info = this.instances.get(instanceId) ?? this.seenInstances.get(instanceId);
    const named = info?.attributes.identity ?? info?.attributes.appName;
    return named ? `${named} ${instanceId.slice(0, 8)}` : instanceId.slice(0, 8);
  }

  private addVar(fqn: string): VarEntry {
    const held = this.tree.get(fqn);
    if (held) return held;
    // Collapsed while the first snapshot arrives: it may be huge.
    const entry = this.tree.add(fqn, { expandNew: this.synced && this.tree.size < AUTO_EXPAND_BELOW });
    this.observer?.structureChanged();
    return entry;
  }

  private removeVar(fqn: string): void {
    const entry = this.tree.remove(fqn);
    if (!entry) return;
    this.history.forget(fqn);
    this.observer?.varRemoved(entry);
    this.observer?.structureChanged();
  }

  private log(kind: string, text: string): void {
    this.observer?.logged(kind, text);
  }

  private byText(origin: string | undefined): string {
    return origin ? ` by ${this.writerName(origin)}` : '';
  }
}

function inParentheses(text: string): string {
  return text ? `(${text})` : '';
}
