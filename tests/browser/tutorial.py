"""The demo projects have a tutorial that opens on a volunteer's first visit: tests about
something else mark every tutorial seen, as a returning volunteer's browser has them."""

from __future__ import annotations

# The key tutorial.js keeps per user and project (crowd.tutorial.<user>.<project>).
_SEEN = """
(() => {
  const read = Storage.prototype.getItem;
  Storage.prototype.getItem = function (key) {
    return String(key).startsWith("crowd.tutorial.") ? "1" : read.call(this, key);
  };
})();
"""


def tutorials_seen(context):
    """Make every page of `context` find each tutorial already seen. Returns `context`."""
    context.add_init_script(_SEEN)
    return context
