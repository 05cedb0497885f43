// Keyboard shortcuts. One table drives both the key handling and the help dialog, so the help
// never lists a shortcut that does not exist. Each page passes its own table
// (transcribe/keys.js, review/keys.js): [action, description key, key combinations], where a
// `null` action is shown in the help only.
//
// Alt+… and Ctrl+Enter work everywhere, in fields too. Single keys (?, +, -, R…) only act when
// focus is not in a text field, so typing is never taken over. AltGr arrives as Ctrl+Alt on
// Windows and types characters (@, [, €) on many layouts: it is never a shortcut here.

import {t} from "./messages.js";

// A combination whose key is DIGITS stands for any of the keys 1 to 9 (the action reads which
// one with pressedDigit): one row in the help instead of nine.
export const DIGITS = "1…9";

const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

function parse(combo) {
  const parts = combo === "+" ? ["+"] : combo.split("+");
  const key = parts.pop();
  return {alt: parts.includes("Alt"), ctrl: parts.includes("Ctrl"), shift: parts.includes("Shift"), key: key === DIGITS ? key : key.toLowerCase()};
}

/** The key as printed on the keycap: letters and digits by position when Alt/Option changed
 * the character (macOS), by character otherwise (so AZERTY's Alt+A is the A key). */
function keyOf(event) {
  if (/^[a-z0-9]$/i.test(event.key)) return event.key.toLowerCase();
  if (event.altKey && /^Key[A-Z]$/.test(event.code)) return event.code.slice(3).toLowerCase();
  if (event.altKey && /^Digit\d$/.test(event.code)) return event.code.slice(5);
  return event.key.toLowerCase();
}

/** 1 to 9 for a digit key, else null: the top row by keycap position (AZERTY types & é " …
 * there without Shift), the keypad by character (without Num Lock its keys move the page). */
export function pressedDigit(event) {
  const code = /^Digit([1-9])$/.exec(event.code || "");
  if (code) return Number(code[1]);
  return /^[1-9]$/.test(event.key) ? Number(event.key) : null;
}

function matches(combo, event) {
  const wanted = parse(combo);
  const ctrl = event.ctrlKey || (IS_MAC && event.metaKey);
  if (wanted.alt !== event.altKey || wanted.ctrl !== ctrl || (event.ctrlKey && event.altKey)) return false;
  if (wanted.key === DIGITS) return pressedDigit(event) !== null;
  const key = keyOf(event);
  // Symbols (?, +) and digits need Shift on some layouts (AZERTY's 0) and not on others:
  // Shift is not compared for them.
  const symbol = !/^[a-z]$/.test(wanted.key) && wanted.key.length === 1;
  if (!symbol && wanted.shift !== event.shiftKey) return false;
  if (wanted.key === "+" || wanted.key === "=") return key === "+" || key === "=";
  if (wanted.key === "-") return key === "-" || key === "_";
  return key === wanted.key;
}

function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable || target.matches("textarea, select")) return true;
  return target.matches("input") && !["checkbox", "radio", "button", "submit", "range"].includes(target.type);
}

/** Call `actions[name](event)` for the shortcuts pressed; `paused()` true turns them off. */
export function installShortcuts(actions, {paused = () => false, table}) {
  document.addEventListener("keydown", (event) => {
    // Already handled: the image's own keys (OpenSeadragon cancels what it uses), or a widget.
    if (event.defaultPrevented || event.isComposing || paused()) return;
    const typing = isTyping(event.target);
    for (const [action, , combos] of table) {
      if (!action || !actions[action]) continue;
      for (const combo of combos) {
        const modified = /^(Alt|Ctrl)\+/.test(combo);
        if ((typing && !modified) || !matches(combo, event)) continue;
        // Space and Enter on a button, a link or a disclosure keep their own meaning.
        const activates = /^( |enter)$/i.test(event.key);
        if (!modified && activates && event.target instanceof Element && event.target.matches("button, a, summary")) continue;
        event.preventDefault();
        actions[action](event);
        return;
      }
    }
  });
}

function display(combo) {
  const names = IS_MAC
    ? {Alt: "⌥", Ctrl: "⌘", Shift: "⇧"}
    : {Alt: t("keyAlt"), Ctrl: t("keyCtrl"), Shift: t("keyShift")};
  const {alt, ctrl, shift, key} = parse(combo);
  const keys = [ctrl && names.Ctrl, alt && names.Alt, shift && names.Shift].filter(Boolean);
  keys.push(key === "enter" ? t("keyEnter") : key.length === 1 ? key.toUpperCase() : key);
  return keys;
}

/** Fill the help dialog's table body: one row per action, each combination as <kbd> keys. */
export function renderHelp(tbody, table) {
  const rows = table.map(([, description, combos]) => {
    const row = document.createElement("tr");
    const what = document.createElement("th");
    what.scope = "row";
    what.textContent = t(description);
    const keys = document.createElement("td");
    combos.forEach((combo, index) => {
      if (index) keys.append(` ${combos.length > 2 ? "" : t("or")} `);
      const group = document.createElement("kbd");
      display(combo).forEach((name, i) => {
        if (i) group.append("+");
        const key = document.createElement("kbd");
        key.textContent = name;
        group.append(key);
      });
      keys.append(group);
    });
    row.append(what, keys);
    return row;
  });
  tbody.replaceChildren(...rows);
}
