// The results page's search form: only the filters given go into the address, so that a
// shared link reads "?q=quercus&state=complete" rather than every empty field. The form works
// the same without this script (empty fields are then sent, and ignored).

const form = document.querySelector("[data-results-form]");
if (form) {
  form.addEventListener("submit", () => {
    for (const control of form.elements) {
      if (control.name && !control.disabled && control.value === "") {
        control.disabled = true;
        // Enabled again for when the page comes back from the history (bfcache).
        window.addEventListener("pageshow", () => { control.disabled = false; }, {once: true});
      }
    }
  });
}
