// Where the virtual keyboard only shrinks the visual viewport (Safari; Chrome without
// interactive-widget=resizes-content), the browser scrolls that viewport inside the page, and
// an element sticky at top: 0 ends up above what the person sees. This keeps the visual
// viewport's offset in --visual-top on the root element, which the sticky image viewer adds
// to its top on narrow screens (site.css). Elsewhere the offset stays 0 and nothing moves.

export function followVisualViewport() {
  const visual = window.visualViewport;
  if (!visual) return;
  let frame = 0;
  const update = () => {
    frame = 0;
    const offset = Math.max(0, Math.round(visual.offsetTop));
    document.documentElement.style.setProperty("--visual-top", `${offset}px`);
  };
  const schedule = () => {
    frame ||= window.requestAnimationFrame(update);
  };
  visual.addEventListener("resize", schedule);
  visual.addEventListener("scroll", schedule);
  update();
}
