// The image viewer: OpenSeadragon on the task's IIIF tiles (or its plain image), driven by our
// own toolbar of labelled buttons instead of OpenSeadragon's image buttons, which screen
// readers cannot name and which cannot carry translated text.
//
// OpenSeadragon is loaded as a classic script before this module (it is not an ES module).
// When the image has focus its own keys pan (arrows, WASD); zoom, rotate, flip and reset are
// left to the page-wide shortcuts, so a key does the same thing wherever focus is.

const ZOOM_STEP = 1.4;
const ROTATE_STEP = 90;

export function createViewer(pane, {label}) {
  const element = pane.querySelector("[data-viewer]");
  const OSD = window.OpenSeadragon;
  const viewer = OSD({
    element,
    // No prefixUrl: OpenSeadragon's image buttons (openseadragon/images/) are not shown.
    // The 2D canvas drawer can rotate and takes CSS filters everywhere, WebGL-less machines
    // and headless browsers included.
    drawer: "canvas",
    showNavigationControl: false,
    // A small overview, top right and fading when the pointer leaves: herbarium labels sit
    // bottom right, where OpenSeadragon puts it by default.
    showNavigator: true,
    navigatorPosition: "TOP_RIGHT",
    navigatorSizeRatio: 0.16,
    visibilityRatio: 0.5,
    minZoomImageRatio: 0.5,
    maxZoomPixelRatio: 4,
    // A click focuses the image (for keyboard panning) rather than zooming by surprise.
    gestureSettingsMouse: {clickToZoom: false, dblClickToZoom: true},
  });
  // Name the focusable canvas: OpenSeadragon leaves it as an anonymous div.
  viewer.canvas.setAttribute("role", "application");
  viewer.canvas.setAttribute("aria-label", label);
  const hint = pane.querySelector("[data-viewer-hint]");
  if (hint) viewer.canvas.setAttribute("aria-describedby", hint.id);
  viewer.addHandler("canvas-key", (event) => {
    if (/^[-+=0rRfF]$/.test(event.originalEvent.key)) event.preventDefaultAction = true;
  });

  // The pane may have been hidden (zero-sized) when the viewer was made: measure it again
  // once the image is open, or the first image is fitted to a stale size.
  viewer.addHandler("open", () => {
    viewer.viewport.resize(new OSD.Point(element.clientWidth, element.clientHeight), false);
    viewer.viewport.goHome(true);
  });

  const filters = {brightness: 100, contrast: 100, invert: false};

  function applyFilters() {
    const parts = [`brightness(${filters.brightness}%)`, `contrast(${filters.contrast}%)`];
    if (filters.invert) parts.push("invert(1)");
    // On the canvas only, so the navigator and our controls keep their colours.
    viewer.canvas.style.filter = parts.join(" ");
    pane.querySelector("[data-filter=invert]").setAttribute("aria-pressed", String(filters.invert));
  }

  const actions = {
    zoomIn: () => viewer.viewport.zoomBy(ZOOM_STEP).applyConstraints(),
    zoomOut: () => viewer.viewport.zoomBy(1 / ZOOM_STEP).applyConstraints(),
    rotateRight: () => viewer.viewport.setRotation(viewer.viewport.getRotation() + ROTATE_STEP),
    rotateLeft: () => viewer.viewport.setRotation(viewer.viewport.getRotation() - ROTATE_STEP),
    flip: () => {
      viewer.viewport.toggleFlip();
      pane.querySelector("[data-view=flip]").setAttribute("aria-pressed", String(viewer.viewport.getFlip()));
    },
    reset: () => {
      viewer.viewport.setRotation(0, true);
      viewer.viewport.setFlip(false);
      pane.querySelector("[data-view=flip]").setAttribute("aria-pressed", "false");
      viewer.viewport.goHome();
    },
    fullscreen: () => {
      // The whole pane goes full screen, so the toolbar stays usable there.
      if (document.fullscreenElement) document.exitFullscreen();
      else pane.requestFullscreen?.().catch(() => {});
    },
    invert: () => {
      filters.invert = !filters.invert;
      applyFilters();
    },
    focusImage: () => viewer.canvas.focus(),
  };

  for (const button of pane.querySelectorAll("[data-view]")) {
    button.addEventListener("click", () => actions[button.dataset.view]());
  }
  pane.querySelector("[data-filter=invert]").addEventListener("click", actions.invert);
  for (const slider of pane.querySelectorAll("input[data-filter]")) {
    slider.addEventListener("input", () => {
      filters[slider.dataset.filter] = Number(slider.value);
      slider.setAttribute("aria-valuetext", `${slider.value} %`);
      applyFilters();
    });
  }
  document.addEventListener("fullscreenchange", () => {
    const on = document.fullscreenElement === pane;
    pane.classList.toggle("is-fullscreen", on);
    pane.querySelector("[data-view=fullscreen]").setAttribute("aria-pressed", String(on));
  });

  return {
    viewer,
    actions,
    /** Show a task's image: IIIF tiles when the server made them, else the plain image. */
    open(task) {
      const source = task.iiif ? task.iiif : {type: "image", url: task.image};
      viewer.viewport.setRotation(0, true);
      viewer.viewport.setFlip(false);
      pane.querySelector("[data-view=flip]").setAttribute("aria-pressed", "false");
      viewer.open(source);
      applyFilters(); // brightness and contrast are the contributor's choice: kept across images
    },
  };
}
