// The leads' Training pages: confirm deletions, and choose a picture's crop by dragging a
// rectangle on the image (it fills the crop field, which stays the keyboard's way to give it).
import {api} from "./lib/api.js";
import {jsonScript} from "./lib/messages.js";

const text = jsonScript("training-messages");

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(text[form.dataset.confirm] || "?")) event.preventDefault();
  });
}

const round = (value) => Math.round(Math.min(1, Math.max(0, value)) * 10000) / 10000;

function cropChooser(root) {
  const upload = root.querySelector("input[type=file]");
  const number = root.querySelector("input[name$=crop_task]");
  const crop = root.querySelector("input[name$=crop]");
  const area = root.querySelector("[data-crop-area]");
  const frame = root.querySelector("[data-crop-frame]");
  const image = root.querySelector("[data-crop-image]");
  const box = root.querySelector("[data-crop-box]");
  const thumbs = [...root.querySelectorAll("[data-pick-task]")];

  function show(src) {
    box.hidden = true;
    crop.value = "";
    area.hidden = !src;
    if (src) image.src = src;
  }

  function pressed(taskId) {
    for (const thumb of thumbs) thumb.setAttribute("aria-pressed", String(thumb.dataset.pickTask === taskId));
  }

  for (const thumb of thumbs) {
    thumb.setAttribute("aria-pressed", "false");
    thumb.addEventListener("click", () => {
      number.value = thumb.dataset.pickTask;
      if (upload) upload.value = "";
      pressed(thumb.dataset.pickTask);
      show(thumb.dataset.picture);
    });
  }

  // An image not among the thumbnails: its thumbnail from the API (leads may read any image).
  number.addEventListener("change", async () => {
    const id = number.value.trim();
    pressed(id);
    const known = thumbs.find((thumb) => thumb.dataset.pickTask === id);
    if (known) return show(known.dataset.picture);
    if (!/^\d+$/.test(id)) return show("");
    try {
      const {data} = await api(`/api/tasks/${id}/`);
      show(data.thumbnail || data.image || "");
    } catch {
      show("");
    }
  });

  // An uploaded picture is read here (a data: URL: the page's policy allows no blob: images).
  upload?.addEventListener("change", () => {
    const file = upload.files[0];
    if (!file || !file.type.startsWith("image/")) return show("");
    number.value = "";
    pressed("");
    const reader = new FileReader();
    reader.addEventListener("load", () => show(reader.result));
    reader.readAsDataURL(file);
  });

  let start = null;
  function point(event) {
    const rect = image.getBoundingClientRect();
    return {x: (event.clientX - rect.left) / rect.width, y: (event.clientY - rect.top) / rect.height};
  }
  function draw(a, b) {
    const left = round(Math.min(a.x, b.x));
    const top = round(Math.min(a.y, b.y));
    const width = round(Math.abs(a.x - b.x));
    const height = round(Math.abs(a.y - b.y));
    box.hidden = false;
    box.style.left = `${left * 100}%`;
    box.style.top = `${top * 100}%`;
    box.style.width = `${width * 100}%`;
    box.style.height = `${height * 100}%`;
    return {left, top, width, height};
  }
  frame.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    start = point(event);
    frame.setPointerCapture(event.pointerId);
  });
  frame.addEventListener("pointermove", (event) => {
    if (start) draw(start, point(event));
  });
  frame.addEventListener("pointerup", (event) => {
    if (!start) return;
    const {left, top, width, height} = draw(start, point(event));
    start = null;
    // A click without a drag keeps the whole image.
    if (width < 0.01 || height < 0.01) {
      box.hidden = true;
      crop.value = "";
      return;
    }
    crop.value = [left, top, width, height].join(",");
  });
}

for (const root of document.querySelectorAll("[data-crop-chooser]")) cropChooser(root);
