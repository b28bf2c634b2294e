// Colouring the differences: removed on the old diagram, added on the new, changed and moved on both.

export const MARKERS = {
  added: "diff-added",
  removed: "diff-removed",
  changed: "diff-changed",
  layoutChanged: "diff-layout-changed",
};

const SHOWN_ON = {
  old: ["removed", "changed", "layoutChanged"],
  new: ["added", "changed", "layoutChanged"],
};

/** Mark the differences ``side`` ("old" or "new") shows; returns the ids marked, by kind. */
export function markDifferences(viewer, changes, side) {
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  const marked = {};
  for (const kind of SHOWN_ON[side]) {
    // the differ also names things without a shape of their own (a process, a definition's id)
    marked[kind] = changes[kind].filter((id) => registry.get(id));
    marked[kind].forEach((id) => canvas.addMarker(id, MARKERS[kind]));
  }
  return marked;
}
