// An image of the results browser: the viewer on its IIIF tiles (or its plain image) with the
// viewer's keyboard shortcuts, the same keys as on the review page. Everything else on the page
// is server-rendered and works without this script.

import {t} from "../lib/messages.js";
import {installShortcuts, renderHelp} from "../lib/shortcuts.js";
import {createViewer} from "../lib/viewer.js";

const SHORTCUTS = [
  ["zoomIn", "scZoomIn", ["+", "Alt+="]],
  ["zoomOut", "scZoomOut", ["-", "Alt+-"]],
  ["rotateRight", "scRotateRight", ["R", "Alt+R"]],
  ["rotateLeft", "scRotateLeft", ["Shift+R", "Alt+Shift+R"]],
  ["flip", "scFlip", ["F", "Alt+L"]],
  ["reset", "scReset", ["0", "Alt+0"]],
  ["invert", "scInvert", ["Alt+C"]],
  ["fullscreen", "scFullscreen", ["Alt+X"]],
  ["focusImage", "scFocusImage", ["Alt+1"]],
  [null, "scPan", ["←", "↑", "→", "↓"]],
  ["help", "scHelp", ["?"]],
];

const root = document.querySelector("[data-results-image]");
if (root) start(root);

function start(root) {
  const pane = root.querySelector("[data-viewer-pane]");
  const helpDialog = root.querySelector("[data-help-dialog]");
  const openHelp = () => helpDialog.open || helpDialog.showModal();
  root.querySelector("[data-action=help]").addEventListener("click", openHelp);
  renderHelp(helpDialog.querySelector("[data-shortcuts]"), SHORTCUTS);
  const {iiif, image} = root.dataset;
  if (!iiif && !image) {
    pane.hidden = true;
    return;
  }
  // OpenSeadragon is a classic deferred script: it has run before this module.
  const viewer = createViewer(pane, {label: t("viewerLabel")});
  window.crowdViewer = viewer.viewer; // for browser tests, as on the other pages with an image
  viewer.open({iiif: iiif || null, image});
  installShortcuts({...viewer.actions, help: openHelp}, {table: SHORTCUTS, paused: () => helpDialog.open});
}
