import { element } from './dom.js';
import { clockText, stampTime } from './format.js';
import type { InspectorModel } from './model.js';
import type { VarEntry } from './ns-tree.js';

/**
 * The selected var's panel: its FQN, last writer and time, and its value in a JSON editor that
 * writes through the link (Save or Ctrl+Enter). Invalid JSON and the hub's refusals show inline;
 * a remote change while the user edits is announced, not applied over the edit.
 */
export class DetailView {
  /** Whether the user edited the value since it was shown (or last saved). */
  private editorDirty = false;

  constructor(
    private readonly model: InspectorModel,
    private readonly panel: HTMLElement,
  ) {}

  /**
   * Shows a var in the panel, its editor holding its value.
   *
   * @param note said after the writer line (`unmapped` for a var that is gone).
   */
  show(entry: VarEntry, note?: string): void {
    this.editorDirty = false;
    const { panel } = this;
    panel.replaceChildren();
    panel.append(element('h2', 'fqn', entry.fqn));
    const meta = element('div', 'meta');
    meta.dataset.role = 'meta';
    panel.append(meta);
    const editor = element('textarea', 'editor');
    editor.spellcheck = false;
    editor.value = valueText(entry);
    editor.setAttribute('aria-label', `JSON value of ${entry.fqn}`);
    const message = element('div', 'message');
    const save = element('button', 'save', 'Save');
    save.title = 'Write the value through the link (Ctrl+Enter)';
    const revert = element('button', 'revert', 'Revert');
    const buttons = element('div', 'buttons');
    buttons.append(save, revert, message);
    panel.append(editor, buttons);
    this.updateMeta(entry, note);

    const check = (): unknown => {
      try {
        const value = JSON.parse(editor.value);
        editor.classList.remove('invalid');
        message.className = 'message';
        message.textContent = this.editorDirty ? 'edited — not saved' : '';
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
      this.editorDirty = true;
      check();
    });
    const write = async () => {
      const before = editor.value;
      const value = check();
      const { link } = this.model;
      if (save.disabled || !link) return;
      save.disabled = true;
      message.className = 'message';
      message.textContent = 'saving…';
      try {
        const ack = await link.set(entry.fqn, value);
        if (this.model.selected !== entry) return;
        this.model.setValue(entry.fqn, value, link.instanceId, ack.stamp);
        this.editorDirty = editor.value !== before;
        message.className = 'message ok';
        message.textContent = `saved (revision ${ack.rev})`;
        this.updateMeta(entry);
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
    revert.addEventListener('click', () => this.show(entry));
  }

  /** The shown var changed: show the new value unless the user is editing it. */
  refresh(entry: VarEntry): void {
    this.updateMeta(entry);
    const editor = this.panel.querySelector<HTMLTextAreaElement>('textarea');
    if (!editor) return;
    if (!this.editorDirty) editor.value = valueText(entry);
    else {
      const message = this.panel.querySelector<HTMLElement>('.message');
      if (message) {
        message.className = 'message warn';
        message.textContent = 'changed remotely while you edit — Revert shows the new value';
      }
    }
  }

  private updateMeta(entry: VarEntry, note?: string): void {
    const meta = this.panel.querySelector<HTMLElement>('[data-role=meta]');
    if (!meta) return;
    const writer = entry.from ? `${this.model.writerName(entry.from)} (${entry.from})` : '—';
    // The time is its own span so that a narrow panel wraps the long instance id, never the time.
    meta.replaceChildren(
      'last writer: ',
      element('span', 'writer', writer),
      ' · ',
      element('span', 'time', clockText(stampTime(entry.stamp)) || 'no write seen'),
      note ? ` · ${note}` : '',
    );
  }
}

/** The editor's text of a value: indented JSON, '' while unbound. */
function valueText(entry: VarEntry): string {
  return entry.bound ? (JSON.stringify(entry.value, null, 2) ?? '') : '';
}
