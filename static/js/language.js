// Switch language as soon as one is chosen; the button stays for browsers without JavaScript.
const form = document.querySelector("form.language");
if (form) {
  const select = form.querySelector("select");
  form.querySelector("button").classList.add("visually-hidden");
  select.addEventListener("change", () => form.submit());
}
