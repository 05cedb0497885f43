// Small DOM helpers of the template builder: elements, labelled controls, and the lists where
// the server's messages about a control are shown.

let counter = 0;

/** A fresh id prefix, unique in the page. */
export const uid = () => `tb${(counter += 1)}`;

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== ""));
  return node;
}

/** The list that shows the messages about what holds it (hidden while empty). */
export const errorList = (id) => el("ul", {class: "errorlist", id, hidden: true});

/**
 * A labelled control inside a message holder: `path` is where the server's messages about it
 * point ("label.fr", "validation.min"…). `input` gets the id, the description (help, then
 * messages) and `data-input=path`. Checkboxes come before their label.
 */
export function control(path, id, labelText, input, {help = "", wide = false} = {}) {
  const holder = el("div", {class: `bcontrol${wide ? " wide" : ""}`, "data-path": path});
  const errors = errorList(`${id}-errors`);
  input.id = id;
  input.dataset.input = path;
  const helpNode = help ? el("p", {class: "help", id: `${id}-help`}, help) : null;
  input.setAttribute("aria-describedby", [helpNode && helpNode.id, errors.id].filter(Boolean).join(" "));
  const label = el("label", {for: id}, labelText);
  if (input.type === "checkbox") {
    holder.classList.add("check");
    holder.append(input, label, helpNode || "", errors);
  } else {
    holder.append(label, input, helpNode || "", errors);
  }
  return holder;
}

export function textInput(value, attributes = {}) {
  return el("input", {type: "text", value: value ?? "", autocomplete: "off", ...attributes});
}

export function numberInput(value, attributes = {}) {
  return el("input", {type: "number", inputmode: "decimal", value: typeof value === "number" ? String(value) : "", ...attributes});
}

export function checkbox(checked) {
  const box = el("input", {type: "checkbox"});
  box.checked = Boolean(checked);
  return box;
}

export function selectInput(choices, current) {
  const select = el("select");
  for (const [value, text] of choices) {
    const option = el("option", {value}, text);
    option.selected = value === current;
    select.append(option);
  }
  return select;
}

export function textArea(value, attributes = {}) {
  const area = el("textarea", {rows: 2, ...attributes});
  area.value = value ?? "";
  return area;
}
