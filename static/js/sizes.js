// Sizes the server computes but may not write as style attributes (the Content-Security-Policy
// allows no inline style): progress bar widths (`data-width`, a percentage) and the per-hour
// bars' heights (`data-n`). Runs before the page modules, which read and update them.
for (const element of document.querySelectorAll("[data-width]")) {
  element.style.width = `${Number(element.dataset.width) || 0}%`;
}
for (const element of document.querySelectorAll("[data-n]")) {
  element.style.setProperty("--n", String(Number(element.dataset.n) || 0));
}
