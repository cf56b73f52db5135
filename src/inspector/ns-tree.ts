/** A namespace of the tree: its sub-namespaces and its vars. */
export interface NsNode {
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
  /** `children` by label, kept until a child comes or goes. */
  sortedChildren: NsNode[] | undefined;
  /** `vars` by name, kept until a var comes or goes. */
  sortedVars: VarEntry[] | undefined;
}

/** A var as the inspector knows it: its last value and who wrote it when. */
export interface VarEntry {
  readonly fqn: string;
  readonly name: string;
  readonly ns: NsNode;
  value: unknown;
  bound: boolean;
  from: string | undefined;
  stamp: string | undefined;
  /** The row showing it while it is drawn (set by the tree view), so an update finds it directly. */
  row: HTMLElement | undefined;
}

/** One line of the tree's list: a namespace, or a var (`flat`: shown by its FQN, in a filtered list). */
export type Row = { kind: 'ns'; node: NsNode } | { kind: 'var'; entry: VarEntry; flat: boolean };

/** Options of {@link NsTree.add}. */
export interface AddVarOptions {
  /** Whether namespaces this creates start expanded. */
  readonly expandNew: boolean;
}

const byFqn = (a: VarEntry, b: VarEntry) => (a.fqn < b.fqn ? -1 : a.fqn > b.fqn ? 1 : 0);

/**
 * The namespace tree of the vars the inspector shows, with a count per namespace, and the list
 * of rows it shows (namespaces in order, the vars of the expanded ones). No DOM: the tree view
 * draws it.
 *
 * @example
 * const tree = new NsTree();
 * tree.add('ui.buttons/b1', { expandNew: true });
 * tree.rows(); // ns ui, ns ui.buttons, var b1
 */
export class NsTree {
  /** The root namespace (its name is ''; it is never shown). */
  readonly root: NsNode = newNode('', '', -1, undefined);
  private readonly entries = new Map<string, VarEntry>();

  /** How many vars the tree holds. */
  get size(): number {
    return this.entries.size;
  }

  /** The var of this FQN, if the tree holds it. */
  get(fqn: string): VarEntry | undefined {
    return this.entries.get(fqn);
  }

  /** Adds a var (with its namespaces) and returns it; returns the one held if it is there already. */
  add(fqn: string, { expandNew }: AddVarOptions): VarEntry {
    const found = this.entries.get(fqn);
    if (found) return found;
    const slash = fqn.indexOf('/');
    const ns = this.nodeFor(fqn.slice(0, slash), expandNew);
    const entry: VarEntry = {
      fqn,
      name: fqn.slice(slash + 1),
      ns,
      value: undefined,
      bound: false,
      from: undefined,
      stamp: undefined,
      row: undefined,
    };
    this.entries.set(fqn, entry);
    ns.vars.set(entry.name, entry);
    ns.sortedVars = undefined;
    for (let node: NsNode | undefined = ns; node; node = node.parent) node.count++;
    return entry;
  }

  /** Removes a var, and the namespaces it leaves empty. Returns it, or undefined if it was not held. */
  remove(fqn: string): VarEntry | undefined {
    const entry = this.entries.get(fqn);
    if (!entry) return undefined;
    this.entries.delete(fqn);
    entry.ns.vars.delete(entry.name);
    entry.ns.sortedVars = undefined;
    for (let node: NsNode | undefined = entry.ns; node; node = node.parent) node.count--;
    for (let node: NsNode | undefined = entry.ns; node && node !== this.root && node.count === 0; node = node.parent) {
      node.parent!.children.delete(node.label);
      node.parent!.sortedChildren = undefined;
    }
    return entry;
  }

  /** The namespace of this full name (`ui.buttons`), if it is in the tree. */
  nodeAt(name: string): NsNode | undefined {
    let node: NsNode | undefined = this.root;
    for (const token of name.split('.')) node = node?.children.get(token);
    return node;
  }

  /** Expands or collapses every namespace. */
  setExpandedAll(expanded: boolean): void {
    const walk = (node: NsNode) => {
      for (const child of node.children.values()) {
        child.expanded = expanded;
        walk(child);
      }
    };
    walk(this.root);
  }

  /** The rows of the tree: each namespace in order, and below an expanded one its sub-namespaces, then its vars. */
  rows(): Row[] {
    const out: Row[] = [];
    const walk = (node: NsNode) => {
      node.sortedChildren ??= [...node.children.values()].sort((a, b) => (a.label < b.label ? -1 : 1));
      for (const child of node.sortedChildren) {
        out.push({ kind: 'ns', node: child });
        if (child.expanded) walk(child);
      }
      if (node !== this.root && node.expanded) {
        node.sortedVars ??= [...node.vars.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
        for (const entry of node.sortedVars) out.push({ kind: 'var', entry, flat: false });
      }
    };
    walk(this.root);
    return out;
  }

  /** The rows of a filtered view: the held ones of these vars (e.g. `space.match(pattern)`), flat, by FQN. */
  flatRows(vars: readonly { readonly fqn: string }[]): Row[] {
    return vars
      .map((target) => this.entries.get(target.fqn))
      .filter((entry): entry is VarEntry => entry !== undefined)
      .sort(byFqn)
      .map((entry) => ({ kind: 'var', entry, flat: true }));
  }

  private nodeFor(nsName: string, expandNew: boolean): NsNode {
    let node = this.root;
    for (const token of nsName.split('.')) {
      let child = node.children.get(token);
      if (!child) {
        child = newNode(node.name === '' ? token : `${node.name}.${token}`, token, node.depth + 1, node);
        child.expanded = expandNew;
        node.children.set(token, child);
        node.sortedChildren = undefined;
      }
      node = child;
    }
    return node;
  }
}

function newNode(name: string, label: string, depth: number, parent: NsNode | undefined): NsNode {
  return {
    name,
    label,
    depth,
    parent,
    children: new Map(),
    vars: new Map(),
    count: 0,
    expanded: false,
    sortedChildren: undefined,
    sortedVars: undefined,
  };
}
