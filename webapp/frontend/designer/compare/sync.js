// Both diagrams show the same part of the process: zooming or scrolling one moves the other
// (the two versions share most coordinates, so one viewbox fits both).

export function syncViewboxes(first, second) {
  let following = false; // set while one canvas copies the other, so the copy does not echo back
  const follow = (leader, follower) => {
    leader.get("eventBus").on("canvas.viewbox.changed", ({ viewbox }) => {
      if (following) return;
      following = true;
      try {
        follower.get("canvas").viewbox({ x: viewbox.x, y: viewbox.y, width: viewbox.width, height: viewbox.height });
      } finally {
        following = false;
      }
    });
  };
  follow(first, second);
  follow(second, first);
}
