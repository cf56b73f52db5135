import type { DetailView } from './detail-view.js';
import type { EventLogView, LogLine } from './event-log-view.js';
import type { InstancesView } from './instances-view.js';
import type { InspectorModel, ModelObserver } from './model.js';
import type { VarEntry } from './ns-tree.js';
import type { TreeView } from './tree-view.js';

/** The views a {@link Renderer} draws. */
export interface Views {
  readonly tree: TreeView;
  readonly detail: DetailView;
  readonly instances: InstancesView;
  readonly log: EventLogView;
}

/**
 * Collects what the model says changed and draws it once per animation frame, however many
 * updates arrive in between: a var updated 50 times in a frame is drawn once.
 *
 * @example
 * const renderer = new Renderer(model, views);
 * model.observer = renderer;
 */
export class Renderer implements ModelObserver {
  private frameRequested = false;
  private rowsDirty = true;
  private instancesDirty = true;
  /** Vars with a new value since the last frame. */
  private readonly changed = new Set<VarEntry>();
  private readonly pendingLog: LogLine[] = [];
  private readonly frame = () => this.draw();

  constructor(
    private readonly model: InspectorModel,
    private readonly views: Views,
  ) {}

  /** Asks for a frame (once, however often it is called before the frame). */
  schedule(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(this.frame);
  }

  structureChanged(): void {
    this.rowsDirty = true;
    this.schedule();
  }

  valueChanged(entry: VarEntry): void {
    this.changed.add(entry);
    this.schedule();
  }

  varRemoved(entry: VarEntry): void {
    this.changed.delete(entry);
    if (this.model.selected === entry) this.views.detail.show(entry, 'unmapped');
  }

  instancesChanged(): void {
    this.instancesDirty = true;
    this.schedule();
  }

  logged(kind: string, text: string): void {
    this.pendingLog.push({ kind, text, time: Date.now() });
    this.schedule();
  }

  private draw(): void {
    this.frameRequested = false;
    const { tree, detail, instances, log } = this.views;
    if (this.rowsDirty || tree.needsRedraw()) this.drawRows();
    for (const entry of this.changed) {
      tree.refresh(entry);
      if (entry === this.model.selected) detail.refresh(entry);
    }
    this.changed.clear();
    if (this.instancesDirty) {
      this.instancesDirty = false;
      instances.draw();
      this.drawRows(); // writer names may have changed
    }
    if (this.pendingLog.length > 0) log.add(this.pendingLog.splice(0));
  }

  private drawRows(): void {
    if (this.rowsDirty) {
      this.rowsDirty = false;
      this.views.tree.setRows(this.model.rows());
    }
    this.views.tree.draw();
  }
}
