// Switch language as soon as one is chosen; the button stays for browsers without JavaScript.
const form = document.querySelector("form.language");
if (form) {
  const select = form.querySelector("select");
  form.querySelector("button").classList.add("visually-hidden");
  select.addEventListener("change", () => form.submit());
  // A module runs only once the page is parsed and its scripts fetched: a language chosen
  // before that (a quick hand, a slow network) fired its change event with no one listening.
  // Send it now rather than leave a choice on screen that the page does not follow.
  const current = Array.from(select.options).find((option) => option.defaultSelected);
  if (current && select.value !== current.value) form.submit();
}
