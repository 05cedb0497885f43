// The map beside a geopoint field (Leaflet, a global script of the page): both ways, typing a
// value moves the marker and centres the map, and placing or dragging the marker writes the
// point into the field as "lat, lon" in decimal degrees (what the consensus engine reads
// without a doubt). With it: the uncertainty radius (a circle, Darwin Core's
// coordinateUncertaintyInMeters) and the gazetteer's search box (a combobox: arrows, Enter).
//
// What the point came from (typed, placed, found by name) is the form's business: the map
// tells it through `onPlace` and `onRadius`.

import {api, ApiError} from "../lib/api.js";
import {t} from "../lib/messages.js";
import {formatPoint, parsePoint} from "./parse.js";

export const UNCERTAINTY_MIN = 1;
export const UNCERTAINTY_MAX = 100_000; // tasks/georeference.py
// Presets of the radius, in metres: how far a label's "near the village" may lie.
export const PRESETS = [
  ["mapPresetSpot", 100],
  ["mapPresetHamlet", 500],
  ["mapPresetVillage", 2_000],
  ["mapPresetTown", 5_000],
  ["mapPresetCity", 10_000],
  ["mapPresetRegion", 50_000],
];
// The radius proposed for a place found by name, from its kind (GeoNames' feature codes or
// plain words), else from its population.
const KIND_RADIUS = [
  [/^(PPLX|PPLL|PPLF|HMLT|hamlet|locality|lieu-dit)$/i, 500],
  [/^(PPL|PPLS|PPLR|village|commune|MT|PK|HLL|PASS|LK|FRST)$/i, 2_000],
  [/^(PPLA[0-9]?|PPLG|town)$/i, 5_000],
  [/^(PPLC|city)$/i, 10_000],
  [/^(ADM3|ADM4)$/i, 10_000],
  [/^(ADM2|ADMD|department|departement|county)$/i, 50_000],
  [/^(ADM1|region|state|province)$/i, 100_000],
];
const SEARCH_DELAY_MS = 250;
const SEARCH_LIMIT = 8;
const WORLD = {center: [20, 0], zoom: 2};
const POINT_ZOOM = 13;

export function radiusFor(place) {
  for (const [pattern, metres] of KIND_RADIUS) if (pattern.test(place.kind || "")) return metres;
  const people = Number(place.population) || 0;
  return people > 100_000 ? 10_000 : people > 10_000 ? 5_000 : 2_000;
}

function el(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  if (text) node.textContent = text;
  return node;
}

/** "lat 45.1885, long 5.7245": latitude and longitude named wherever a point is shown. */
function pointText([lat, lon]) {
  const [a, b] = formatPoint([lat, lon]).split(", ");
  return t("point", {lat: a, lon: b});
}

/**
 * The map's button and panel for one field. `config`: {tiles, attribution, area, places};
 * `place()`: {country, region} of the record as known on the page; `onPlace(text, point,
 * {source, place})` when the marker was placed, dragged or a place chosen; `onRadius(metres
 * or null)` when the volunteer set the radius.
 */
export function pointMap({id, name, config, where, onPlace, onRadius}) {
  const button = el("button", {type: "button", class: "secondary map-open", "aria-expanded": "false", "aria-controls": `${id}-map`, "data-map-open": true}, t("mapOpen"));
  button.setAttribute("aria-label", t("mapOpenFor", {field: name}));
  const panel = el("div", {class: "map-panel", id: `${id}-map`, role: "group", "aria-label": t("mapFor", {field: name}), "data-map-panel": true, hidden: true});

  // The gazetteer's search box (WAI-ARIA combobox with a list box).
  const searchId = `${id}-map-search`;
  const search = el("div", {class: "map-search"});
  const searchLabel = el("label", {for: searchId}, t("mapSearch"));
  const input = el("input", {id: searchId, type: "search", role: "combobox", autocomplete: "off", spellcheck: "false", maxlength: "100", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": `${id}-map-results`, "aria-describedby": `${id}-map-status`, "data-map-search": true});
  const results = el("ul", {id: `${id}-map-results`, role: "listbox", class: "map-results", "aria-label": t("mapResults"), "data-map-results": true, hidden: true});
  const status = el("p", {id: `${id}-map-status`, class: "map-status", role: "status", "aria-live": "polite", "data-map-status": true});
  // GeoNames' licence (CC BY 4.0) asks for its credit wherever its places are shown.
  const credit = el("p", {class: "map-credit help", "data-map-credit": true}, `${t("mapPlacesCredit")} `);
  credit.append(el("a", {href: "https://www.geonames.org/", rel: "noopener", target: "_blank"}, "GeoNames"), " (CC BY 4.0)");
  search.append(searchLabel, input, results, status, credit);

  const canvas = el("div", {class: "map-canvas", "data-map": true, role: "application", "aria-label": t("mapCanvas")});
  const readout = el("p", {class: "map-readout", "data-map-readout": true}, t("mapNoPoint"));
  // Keyboard users pan with the arrows and zoom with + and -, then place the marker here.
  const centre = el("button", {type: "button", class: "secondary", "data-map-centre": true}, t("mapPlaceCentre"));

  // The radius: a number in metres and presets.
  const radius = el("div", {class: "map-radius"});
  const radiusInput = el("input", {id: `${id}-radius`, type: "number", inputmode: "numeric", min: String(UNCERTAINTY_MIN), max: String(UNCERTAINTY_MAX), step: "1", "data-map-radius": true, "aria-describedby": `${id}-radius-error`});
  const preset = el("select", {id: `${id}-radius-preset`, "data-map-preset": true});
  preset.append(el("option", {value: ""}, t("mapPresetChoose")));
  for (const [key, metres] of PRESETS) preset.append(el("option", {value: String(metres)}, t(key, {metres: metres.toLocaleString()})));
  const radiusError = el("p", {id: `${id}-radius-error`, class: "map-radius-error", "data-map-radius-error": true});
  radius.append(el("label", {for: radiusInput.id}, t("mapRadius")), radiusInput, el("label", {for: preset.id}, t("mapPreset")), preset, radiusError);
  panel.append(search, canvas, readout, centre, radius, el("p", {class: "help"}, t("mapHelp")));

  const L = window.L;
  let map = null;
  let marker = null;
  let circle = null;
  let point = null; // [lat, lon] of the marker
  let metres = null;

  function show() {
    readout.textContent = point ? `${t("mapMarker")} ${pointText(point)}` : t("mapNoPoint");
    if (!map) return;
    if (point && !marker) {
      marker = L.marker(point, {draggable: true, keyboard: true, title: t("mapMarkerTitle"), alt: t("mapMarkerTitle")}).addTo(map);
      marker.on("dragend", () => placed(marker.getLatLng(), "map"));
    }
    if (marker && point) marker.setLatLng(point);
    if (marker && !point) {
      marker.remove();
      marker = null;
    }
    if (circle && (!point || !metres)) {
      circle.remove();
      circle = null;
    }
    if (point && metres) {
      if (!circle) circle = L.circle(point, {radius: metres, interactive: false, className: "map-circle"}).addTo(map);
      circle.setLatLng(point);
      circle.setRadius(metres);
    }
  }

  function placed(latlng, source, place = null) {
    const wrapped = L.latLng(latlng).wrap();
    point = [Math.max(-90, Math.min(90, wrapped.lat)), wrapped.lng];
    const text = formatPoint(point);
    point = parsePoint(text); // what the field now says, to the digit
    show();
    onPlace(text, {source, place});
  }

  async function openAt() {
    if (point) {
      map.setView(point, POINT_ZOOM);
      return;
    }
    map.setView(WORLD.center, WORLD.zoom);
    const {country, region} = where();
    if (!country && !region) return;
    try {
      const query = new URLSearchParams({country: country || "", region: region || ""});
      const {data} = await api(`${config.area}?${query}`);
      const box = data?.box;
      if (box && !point) map.fitBounds([[box[0], box[1]], [box[2], box[3]]]);
    } catch {
      // Where the map opens is a courtesy: the world view stays.
    }
  }

  function open() {
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    button.textContent = t("mapClose");
    if (!map) {
      map = L.map(canvas, {zoomControl: true, keyboard: true, worldCopyJump: true});
      L.tileLayer(config.tiles, {attribution: config.attribution, maxZoom: 19}).addTo(map);
      map.on("click", (event) => placed(event.latlng, "map"));
      window.crowdMaps = [...(window.crowdMaps || []), map]; // for browser tests and the curious
      openAt();
      show();
    } else {
      map.invalidateSize();
      if (point) map.setView(point, Math.max(map.getZoom(), POINT_ZOOM));
    }
  }

  function close() {
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.textContent = t("mapOpen");
  }
  button.addEventListener("click", () => (panel.hidden ? open() : close()));
  centre.addEventListener("click", () => map && placed(map.getCenter(), "map"));

  // --- The radius ----------------------------------------------------------------------------
  function setRadius(value, {tell = true} = {}) {
    metres = value;
    radiusInput.value = value === null ? "" : String(value);
    radiusError.textContent = "";
    radiusInput.removeAttribute("aria-invalid");
    preset.value = PRESETS.some(([, m]) => m === value) ? String(value) : "";
    show();
    if (tell) onRadius(value);
  }
  radiusInput.addEventListener("input", () => {
    const text = radiusInput.value.trim();
    const value = Number(text);
    if (!text) return setRadius(null);
    if (!Number.isInteger(value) || value < UNCERTAINTY_MIN || value > UNCERTAINTY_MAX) {
      radiusError.textContent = t("mapRadiusBounds", {min: UNCERTAINTY_MIN, max: UNCERTAINTY_MAX.toLocaleString()});
      radiusInput.setAttribute("aria-invalid", "true");
      return;
    }
    metres = value;
    radiusError.textContent = "";
    radiusInput.removeAttribute("aria-invalid");
    preset.value = PRESETS.some(([, m]) => m === value) ? String(value) : "";
    show();
    onRadius(value);
  });
  preset.addEventListener("change", () => preset.value && setRadius(Number(preset.value)));

  // --- The gazetteer's search ----------------------------------------------------------------
  let found = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  function listClose() {
    results.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function highlight(index) {
    active = index;
    [...results.children].forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", results.children[index].id);
      results.children[index].scrollIntoView({block: "nearest"});
    } else input.removeAttribute("aria-activedescendant");
  }
  function choose(index) {
    const place = found[index];
    if (!place) return;
    listClose();
    input.value = place.label || place.name;
    const proposed = radiusFor(place);
    placed([place.latitude, place.longitude], "gazetteer", {id: place.id, name: String(place.name || place.label).slice(0, 200)});
    setRadius(proposed);
    map?.setView(point, POINT_ZOOM);
    status.textContent = t("mapChosen", {place: place.label || place.name, metres: proposed.toLocaleString()});
  }
  async function lookUp() {
    const text = input.value.trim();
    const mine = ++asked;
    if (text.length < 2) {
      found = [];
      results.replaceChildren();
      listClose();
      status.textContent = "";
      return;
    }
    const {country, region} = where();
    const query = new URLSearchParams({q: text, limit: String(SEARCH_LIMIT)});
    if (country) query.set("country", country);
    if (region) query.set("region", region);
    status.textContent = t("mapSearching");
    let data;
    try {
      try {
        ({data} = await api(`${config.places}?${query}`));
      } catch (error) {
        // A country or region as typed on the page that the gazetteer cannot read ("Gaule"):
        // the restriction is a courtesy, the search goes on without it.
        const refused = error instanceof ApiError && error.status === 400 ? error.body?.error?.fields || {} : {};
        if (!(refused.country || refused.region) || mine !== asked) throw error;
        query.delete("country");
        query.delete("region");
        ({data} = await api(`${config.places}?${query}`));
      }
    } catch (error) {
      if (mine !== asked) return;
      const detail = error instanceof ApiError ? error.body?.detail || error.message : "";
      status.textContent = detail ? t("mapSearchFailed", {message: detail}) : t("mapSearchOffline");
      return;
    }
    if (mine !== asked) return; // an older answer arriving after a newer question
    found = Array.isArray(data?.results) ? data.results : [];
    results.replaceChildren(
      ...found.map((place, index) => {
        const item = el("li", {id: `${id}-place-${index}`, role: "option", "aria-selected": "false", "data-place": String(place.id)}, place.label || place.name);
        item.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
        item.addEventListener("click", () => choose(index));
        return item;
      }),
    );
    results.hidden = !found.length;
    input.setAttribute("aria-expanded", String(Boolean(found.length)));
    highlight(found.length ? 0 : -1);
    status.textContent = found.length ? t("mapFound", {count: found.length}) : t("mapNothingFound");
  }
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookUp, SEARCH_DELAY_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!found.length) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      if (results.hidden) {
        results.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      highlight((active + step + found.length) % found.length);
    } else if (event.key === "Enter" && !(event.ctrlKey || event.metaKey)) {
      // Enter takes a place and never sends the transcription; Ctrl+Enter still sends it,
      // as from every field.
      event.preventDefault();
      event.stopPropagation();
      if (!results.hidden && active >= 0) choose(active);
      else {
        window.clearTimeout(timer);
        lookUp();
      }
    } else if (event.key === "Escape" && !results.hidden) {
      event.preventDefault();
      event.stopPropagation();
      listClose();
    }
  });
  input.addEventListener("blur", () => window.setTimeout(listClose, 150));

  return {
    button,
    panel,
    /** The field's text changed (typed, or a draft put back): the marker follows it. */
    follow(text) {
      const next = text.trim() ? parsePoint(text) : null;
      point = next;
      show();
      if (map && point && !panel.hidden) map.setView(point, Math.max(map.getZoom(), POINT_ZOOM));
    },
    /** The radius as a draft had it (no news to the form). */
    setRadius: (value) => setRadius(value, {tell: false}),
    close,
  };
}
