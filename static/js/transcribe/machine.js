// The machine reading's layer: the words the OCR engine read on the image, as buttons over
// them in the viewer. A text layer, never a pre-fill: nothing is typed for the volunteer.
// Picking a word (click, or Enter on it) inserts it into the field the volunteer was in; the
// form then remembers that field as one that took machine words (provenance, sent with the
// transcription), because such an answer is not independent of the machine's vote.
//
// Words are buttons in the viewer's overlay, in reading order: Tab walks them, their names
// say which word they insert. Positions are set by OpenSeadragon through the CSSOM (allowed
// by the page's policy, unlike style attributes).

import {api, isTransient} from "../lib/api.js";
import {t} from "../lib/messages.js";

export function machineLayer({viewer, toggle, say, insert}) {
  const OSD = window.OpenSeadragon;
  const osd = viewer.viewer;
  let shown = false;
  let taskId = null;
  let elements = [];
  let asked = 0; // the latest load, so an answer for an image gone by is ignored

  function clear() {
    for (const element of elements) osd.removeOverlay(element);
    elements = [];
  }

  function setShown(on) {
    shown = on;
    toggle.setAttribute("aria-pressed", String(on));
    toggle.querySelector("[data-machine-label]").textContent = t(on ? "machineHide" : "machineShow");
  }

  function wordButton(word) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "machine-word";
    button.dataset.word = word.text;
    // Transparent over the printed word, which stays readable; the name says what Enter does.
    button.textContent = word.text;
    button.title = word.text;
    button.setAttribute("aria-label", t("machineWord", {word: word.text}));
    // OpenSeadragon would take the press for a drag of the image.
    new OSD.MouseTracker({
      element: button,
      clickHandler: (event) => {
        event.preventDefaultAction = true;
      },
    });
    button.addEventListener("pointerdown", (event) => event.stopPropagation());
    button.addEventListener("click", (event) => pick(word.text, {keyboard: event.detail === 0}));
    return button;
  }

  function pick(text, {keyboard}) {
    const placed = insert(text, {keepFocus: keyboard});
    if (placed) say(t("machineInserted", {word: text, field: placed}), "success");
    else say(t("machineNoField"), "warning");
  }

  function draw(words) {
    clear();
    const item = osd.world.getItemAt(0);
    if (!item) return;
    // Reading order: line by line, left to right.
    const ordered = [...words].sort((a, b) => a.line - b.line || a.box[0] - b.box[0]);
    for (const word of ordered) {
      const [x, y, width, height] = word.box;
      const element = wordButton(word);
      osd.addOverlay({element, location: item.imageToViewportRectangle(x, y, width, height)});
      elements.push(element);
    }
  }

  async function load() {
    const mine = ++asked;
    const forTask = taskId;
    say(t("machineLoading"));
    let reading;
    try {
      ({data: reading} = await api(`/api/tasks/${forTask}/reading/`));
    } catch (error) {
      if (mine === asked) say(isTransient(error) ? t("machineOffline") : error.message, "error");
      return;
    }
    if (mine !== asked || !shown || forTask !== taskId) return;
    if (reading.status === "none") return say(t("machineNone"), "warning");
    if (reading.status === "failed") return say(t("machineFailed", {reason: reading.reason}), "warning");
    if (reading.status !== "done") return say(t("machinePending"), "warning");
    const drawNow = () => {
      if (mine === asked && shown) draw(reading.words);
    };
    if (osd.world.getItemCount()) drawNow();
    else osd.addOnceHandler("open", drawNow);
    say(reading.words.length ? t("machineShown", {count: reading.words.length}) : t("machineEmpty"));
  }

  toggle.addEventListener("click", () => layer.toggle());

  const layer = {
    toggle() {
      setShown(!shown);
      if (shown && taskId !== null) load();
      else {
        asked++;
        clear();
      }
    },
    /** A new image is on screen: its words replace the last one's, if the layer is on. */
    follow(id) {
      taskId = id;
      asked++;
      clear();
      if (shown) load();
    },
  };
  setShown(false);
  return layer;
}
