// Read what a contributor typed, to show what we understood before they submit.
//
// These are ports of the server's consensus readers (worker/consensus/numbers.py, dates.py,
// geo.py, markers.py, and worker/template's fold): the preview must agree with how the answer
// will be reconciled: tests/parsers/readings.json holds what both must read, and the tests run
// it on both sides (a case added there when one side changes). Values are still submitted as typed
// (a transcription is evidence); only select answers are sent as the option they map to.

/** A comparison key: accents, case and surrounding spaces do not count. ß and ς fold as
 * Python's casefold folds them (JavaScript has no case folding of its own). */
export function fold(text) {
  return text.trim().toLowerCase().replace(/ß/g, "ss").replace(/ς/g, "σ").normalize("NFKD").replace(/\p{M}/gu, "");
}

const isDigit = (ch) => /\p{Nd}/u.test(ch);
const isLetter = (ch) => /\p{L}/u.test(ch);

/** `text` with the decimal digits of every script (١٨٩٨) as ASCII digits: the server's readers
 * (Python's int, Decimal, float) read them. Unicode encodes each script's digits as runs of ten,
 * 0 to 9, so a digit's value is its distance from the start of its block of digits, modulo 10. */
function asciiDigits(text) {
  return text.replace(/\p{Nd}/gu, (ch) => {
    if (ch >= "0" && ch <= "9") return ch;
    let code = ch.codePointAt(0);
    let distance = 0;
    while (isDigit(String.fromCodePoint(code - 1))) {
      code -= 1;
      distance += 1;
    }
    return String(distance % 10);
  });
}

// --- Numbers: `650 m`, `1 200`, `1,200`, `12,5`, `alt. 650`, `1200 ft` ---------------------
const PREFIXES = ["alt.", "alt", "ca.", "ca", "env.", "env", "c.", "~", "≈"];

// Units (worker/consensus/units.py): metres per unit as an exact fraction [numerator,
// denominator] (the international foot is 0.3048 m), and the words labels write after a number.
const METRES = {m: [1n, 1n], km: [1000n, 1n], cm: [1n, 100n], mm: [1n, 1000n], ft: [3048n, 10000n]};
const UNIT_WORDS = {
  m: ["mètres", "metres", "meters", "mètre", "metre", "meter", "msm", "m."],
  km: ["kilomètres", "kilometres", "kilometers", "kilomètre", "kilometre", "kilometer", "km."],
  cm: ["centimètres", "centimetres", "centimeters", "centimètre", "centimetre", "centimeter", "cm."],
  mm: ["millimètres", "millimetres", "millimeters", "millimètre", "millimetre", "millimeter", "mm."],
  ft: ["pieds", "pied", "feet", "foot", "ft.", "pi.", "pi", "'", "’", "′"],
};
// Longest first, so that "mm" is not read as "m" after an "m".
const SUFFIXES = Object.entries(UNIT_WORDS)
  .flatMap(([unit, words]) => [unit, ...words].map((word) => [word, unit]))
  .sort((a, b) => b[0].length - a[0].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/** The number as plain text ("1200", "12.5") in the field's `unit` ("" when it declares none),
 * or null when the text is not a number. */
export function parseNumber(raw, unit = "") {
  return parseQuantity(raw, unit)?.value ?? null;
}

/** `{value, typed}`: the number in the field's unit, and the unit written after it (null when
 * none); or null. A field without a unit reads metre words as decoration and refuses others. */
export function parseQuantity(raw, unit = "") {
  // The minus sign of typeset labels (U+2212) is a minus (numbers.parse_number).
  let text = asciiDigits(raw.normalize("NFKC").toLowerCase().trim()).replace(/\u2212/g, "-");
  for (const prefix of PREFIXES) {
    if (text.startsWith(prefix) && isDigit(text.slice(prefix.length).trimStart().charAt(0))) {
      text = text.slice(prefix.length).trim();
      break;
    }
  }
  let typed = null;
  for (const [word, name] of SUFFIXES) {
    if (text.endsWith(word)) {
      text = text.slice(0, -word.length).trimEnd();
      typed = name;
      break;
    }
  }
  if (typed !== null && /['’′]$/.test(text)) return null; // 1200'' is inches
  const number = parsePlain(text);
  if (number === null) return null;
  if (typed === null) return {value: plainNumber(number), typed};
  if (!unit) return typed === "m" ? {value: plainNumber(number), typed} : null;
  return {value: plainNumber(convert(number, typed, unit)), typed};
}

/** A number without prefix or unit, as {sign, whole, fraction} digit strings, or null. */
function parsePlain(raw) {
  let text = raw.replace(/\s+/g, "").replace(/['’]/g, ""); // 1 200, 1'200
  if (!text) return null;
  const separators = [...text].filter((ch) => ch === "," || ch === ".");
  if (separators.length) {
    const last = separators[separators.length - 1];
    const cut = text.lastIndexOf(last);
    const head = text.slice(0, cut);
    const tail = text.slice(cut + 1);
    const groups = text.replace(/,/g, ".").split(".");
    const oneKind = new Set(separators).size === 1;
    const thousands = ((separators.length > 1 && oneKind) || (tail.length === 3 && head.length <= 3)) && grouped(groups);
    if (thousands) text = text.replace(/[.,]/g, "");
    else if (!oneKind) {
      // 1.200,5 or 1,200.5: the last mark is the decimal one; the others must group thousands.
      if (!grouped(head.replace(/,/g, ".").split("."))) return null; // 1.2.3,4
      text = `${head.replace(/[.,]/g, "")}.${tail}`;
    }
    else text = text.replace(/,/g, ".");
  }
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || !(match[2] || match[3])) return null;
  return {sign: match[1] === "-" ? "-" : "", whole: match[2] || "0", fraction: match[3] || ""};
}

function plainNumber({sign, whole, fraction}) {
  const w = whole.replace(/^0+(?=\d)/, "") || "0";
  const f = fraction.replace(/0+$/, "");
  return `${w !== "0" || f ? sign : ""}${w}${f ? `.${f}` : ""}`;
}

const TEN = 10n;
const gcd = (a, b) => (b === 0n ? a : gcd(b, a % b));

/** k when num/den is 10**k, else null. */
function powerOfTen(num, den) {
  const g = gcd(num, den);
  const [n, d] = [num / g, den / g];
  const digits = (x) => (/^10*$/.test(String(x)) ? String(x).length - 1 : null);
  if (digits(n) === null || digits(d) === null) return null;
  return digits(n) - digits(d);
}

/** The number typed in unit `from`, in unit `to`: exact by a power of ten, otherwise rounded
 * half away from zero to as many decimals as were typed (worker/consensus/units.py). */
function convert({sign, whole, fraction}, from, to) {
  const num = METRES[from][0] * METRES[to][1];
  const den = METRES[from][1] * METRES[to][0];
  const decimals = fraction.length;
  const shift = powerOfTen(num, den);
  const places = shift === null ? decimals : Math.max(0, decimals - shift);
  // value × factor × 10^places = digits × num × 10^places / (10^decimals × den)
  const top = BigInt(whole + fraction) * num * TEN ** BigInt(places);
  const bottom = TEN ** BigInt(decimals) * den;
  const rounded = String((top * 2n + bottom) / (bottom * 2n)).padStart(places + 1, "0");
  return {
    sign,
    whole: rounded.slice(0, rounded.length - places),
    fraction: places ? rounded.slice(rounded.length - places) : "",
  };
}

/** Whether digit groups split at the marks are thousands: 1 to 3 digits not led by a zero (0,125
 * is a decimal), then groups of 3. */
function grouped(groups) {
  const first = groups[0].replace(/^[+-]+/, "");
  return first.length >= 1 && first.length <= 3 && first[0] !== "0" && groups.slice(1).every((group) => group.length === 3);
}

// --- Dates: `12/06/1898`, `12 juin 1898`, `juin 1898`, `1898-06`, `[1898]`, `12.VI.1898` ------
// French, English, German and Latin names (nominative and the genitive of "die 12 junii"),
// and the abbreviations labels and cards print (dates.py).
const MONTH_NAMES = [
  ["janvier", "january", "janv", "jan", "ja", "januar", "janner", "januarius", "januarii", "ianuarius", "ianuarii", "ian"],
  ["fevrier", "february", "fevr", "fev", "feb", "fe", "febr", "februar", "februarius", "februarii"],
  ["mars", "march", "mar", "mart", "marz", "maerz", "martius", "martii"],
  ["avril", "april", "avr", "apr", "av", "aprilis"],
  ["mai", "may", "maius", "maii"],
  ["juin", "june", "jun", "juni", "junius", "junii", "iunius", "iunii", "iun"],
  ["juillet", "july", "juil", "juill", "jul", "jl", "juli", "julius", "julii", "iulius", "iulii", "iul"],
  ["aout", "august", "aug", "aou", "augustus", "augusti"],
  ["septembre", "september", "sept", "sep", "septembris", "septbr", "7bre", "7bris", "7ber"],
  ["octobre", "october", "oct", "oktober", "okt", "octobris", "octbr", "8bre", "8bris", "8ber"],
  ["novembre", "november", "nov", "novembris", "novbr", "9bre", "9bris", "9ber"],
  ["decembre", "december", "dec", "dezember", "dez", "decembris", "decbr", "xbre", "xbris", "xber", "10bre", "10bris", "10ber"],
];
const MONTHS = new Map(MONTH_NAMES.flatMap((names, index) => names.map((n) => [n, index + 1])));
const ROMAN = new Map(
  ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"].map((r, i) => [r, i + 1]),
);
// Words that decorate a date without changing it: ordinals (1er, 1re, 2e, 3ème, 2d), articles
// and prepositions ("le", "ce", "l'an", "anno", "die", "den", "am"), "circa", "vers".
const NOISE = new Set(
  ("er re ere e eme d st nd rd th le ce l an anno die den am im the of de du en in on from" +
    " c ca circa vers env environ about approx").split(" "),
);
// What joins the two ends of a range: any dash, "12 au 15 juin", "12 to 15 June", "12 bis 15".
const RANGE = "-";
const RANGE_WORDS = new Set(["au", "to", "bis"]);
// Dashes are "-"; the ideographic and full-width stops and the middle dot separate like ".".
const DATE_SIGNS = [[/[‐‑‒–—―−﹘﹣－]/g, "-"], [/[。．·•]/g, "."]];
// An old label's "7bre" … "10bre": the number and the ending, cut apart, are joined again.
const NUMBERED_MONTH_ENDINGS = new Set(["bre", "bris", "ber", "br"]);

function dateTokens(raw) {
  const text = DATE_SIGNS.reduce((out, [pattern, sign]) => out.replace(pattern, sign), raw);
  const tokens = [];
  let current = "";
  for (const ch of text) {
    const kind = isDigit(ch) ? "d" : isLetter(ch) ? "a" : "";
    if (current && (!kind || isDigit(current.slice(-1)) !== (kind === "d"))) {
      tokens.push(current);
      current = "";
    }
    if (kind) current += ch;
    else if (ch === "-") tokens.push(RANGE);
    else if (!" .,/[]()?'’".includes(ch)) return null;
  }
  if (current) tokens.push(current);
  return tokens;
}

/** The tokens that mean something: noise dropped, "7" "bre" joined, range words as dashes. */
function dateWords(tokens) {
  const words = [];
  for (let token of tokens) {
    if (NOISE.has(token)) continue;
    if (RANGE_WORDS.has(token)) token = RANGE;
    if (NUMBERED_MONTH_ENDINGS.has(token) && ["7", "8", "9", "10"].includes(words[words.length - 1])) {
      words[words.length - 1] += "bre";
      continue;
    }
    words.push(token);
  }
  return words;
}

// Arithmetic rather than Date, which takes years 0 to 99 for 1900 to 1999 (0000 is a leap year).
const isLeap = (year) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year, month) => (month === 2 ? (isLeap(year) ? 29 : 28) : [31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]);

/** The partial ISO date ("1898", "1898-06", "1898-06-12"), or null. `dayFirst`: 12/06 is
 * 12 June (the project's setting; most labels are European). A range ("12-15.VI.1898") reads
 * as the part both ends share ("1898-06"), as dates.py reads it. */
export function parseDate(raw, dayFirst = true) {
  // Runs of white space count as one space, as the server cleans an answer before reading it.
  const tokens = dateTokens(asciiDigits(fold(raw.replace(/\s+/g, " "))));
  if (!tokens || !tokens.length) return null;
  const words = dateWords(tokens);
  let date = readDate(words, dayFirst);
  if (date === null && words.includes(RANGE)) date = readRange(words, dayFirst);
  if (date === null) return null;
  const pad = (n) => String(n).padStart(2, "0");
  const [year, month, day] = date;
  return [String(year).padStart(4, "0"), month && pad(month), day && pad(day)].filter(Boolean).join("-");
}

const isNumber = (word) => /^\d+$/.test(word);

/** [year, month, day] (null parts not given) of the words of one date, or null; `namedMonth`:
 * only a month written as a word or a roman numeral, as the ends of a range need. */
function readDate(words, dayFirst, namedMonth = false) {
  const numbers = [];
  let month = null;
  for (const word of words) {
    if (word === RANGE) continue;
    if (isNumber(word)) numbers.push(word);
    else if (MONTHS.has(word) && month === null) month = MONTHS.get(word);
    else if (ROMAN.has(word) && month === null) month = ROMAN.get(word);
    else return null;
  }
  if (namedMonth && month === null) return null;
  return assembleDate(numbers, month, dayFirst);
}

/** The part both ends of a range share, cut at the one dash where both ends read. */
function readRange(words, dayFirst) {
  const readings = new Set();
  words.forEach((word, cut) => {
    if (word !== RANGE) return;
    let last = readDate(words.slice(cut + 1), dayFirst, true);
    const named = words.slice(0, cut).filter((w) => MONTHS.has(w) || ROMAN.has(w));
    if (last === null && named.length === 1) { // "June 12-15, 1898": the month is written once
      last = readDate([...words.slice(cut + 1), named[0]], dayFirst, true);
    }
    if (last === null || cut === 0) return;
    const first = rangeStart(words.slice(0, cut), last, dayFirst);
    if (first === null || !runsForward(first, last) || first[0] !== last[0]) return;
    readings.add(JSON.stringify([first[0], first[1] === last[1] ? first[1] : null, null]));
  });
  return readings.size === 1 ? JSON.parse([...readings][0]) : null;
}

/** The first end of a range, its missing year and month taken from the last end. */
function rangeStart(words, last, dayFirst) {
  if (words.some((w) => w.length === 4 && isNumber(w))) return readDate(words, dayFirst, true);
  const numbers = words.filter(isNumber);
  const months = words.filter((w) => !isNumber(w) && w !== RANGE);
  if (numbers.length > 1 || months.length > 1 || !(numbers.length || months.length)) return null;
  if (months.some((w) => !MONTHS.has(w) && !ROMAN.has(w))) return null;
  const year = String(last[0]).padStart(4, "0");
  if (months.length) return assembleDate([year, ...numbers], MONTHS.get(months[0]) ?? ROMAN.get(months[0]), dayFirst);
  if (last[2] === null) return null; // "12-juin 1898": a day with no day at the other end
  return assembleDate([year, numbers[0]], last[1], dayFirst);
}

/** Whether a range runs forward, comparing the parts both ends give. */
function runsForward(first, last) {
  for (let i = 0; i < 3; i += 1) {
    if (first[i] === null || last[i] === null) return false;
    if (first[i] !== last[i]) return first[i] < last[i];
  }
  return false;
}

function assembleDate(numbers, month, dayFirst) {
  const years = numbers.flatMap((n, i) => (n.length === 4 ? [i] : []));
  if (years.length !== 1 || numbers.length > 3) return null;
  const position = years[0];
  const year = Number(numbers[position]);
  const others = numbers.filter((_, i) => i !== position);
  if (others.some((n) => n.length > 2)) return null;
  const rest = others.map(Number);
  let day = null;
  if (month !== null) {
    if (rest.length > 1) return null;
    day = rest.length ? rest[0] : null;
  } else if (rest.length === 1) {
    month = rest[0];
  } else if (rest.length === 2) {
    const [first, second] = rest;
    if (position === 0) [month, day] = [first, second]; // year first: ISO order
    else [day, month] = dayFirst ? [first, second] : [second, first];
    if (month > 12 && day <= 12) [day, month] = [month, day]; // the only reading that is a date
  }
  if (month !== null && !(month >= 1 && month <= 12)) return null;
  if (day !== null && (month === null || day < 1 || day > daysIn(year, month))) return null;
  return [year, month, day];
}

// --- Geopoints: `45.1885, 5.7245`, `45°11'19"N 5°43'28"E`, `N 45.1885 E 5.7245` -------------
const SIGNS = {"′": "'", "’": "'", "´": "'", "″": '"', "”": '"', "º": "°", "˚": "°", "\u2212": "-"};
const LAT = {N: 1, S: -1};
const LON = {E: 1, W: -1, O: -1}; // O: ouest, on French labels

function pointTokens(text) {
  const tokens = [];
  let number = "";
  for (const ch of text.replace(/''/g, '"')) {
    if (isDigit(ch) || (ch === "." && number) || ("+-".includes(ch) && !number)) {
      number += ch;
      continue;
    }
    if (number) tokens.push(number);
    number = "";
    if ("NSEWO°'\",;".includes(ch)) tokens.push(ch);
    else if (ch !== " " && ch !== "\t") return null;
  }
  if (number) tokens.push(number);
  return tokens;
}

// Words labels put before a coordinate ("Lat. 33.5329 Long. -5.2694"), as geo.py reads them.
const POINT_LABEL = /\b(LATITUDE|LAT|LONGITUDE|LONG|LON|LNG)\b\.?\s*:?/g;
const DECIMAL_COMMA_PAIR = /^\s*-?\d+,\d+\s+-?\d+,\d+\s*$/;

/** [text with its labels as separators, whether longitude was named first] (geo._unlabelled). */
function unlabelled(text) {
  const named = [...text.matchAll(POINT_LABEL)].map((match) => match[1].startsWith("LAT"));
  let out = text.replace(POINT_LABEL, " ; ");
  if ((!out.includes(".") && out.includes(";")) || DECIMAL_COMMA_PAIR.test(out)) {
    out = out.replace(/(\d),(?=\d)/g, "$1.");
  }
  return [out, named.length === 2 && !named[0] && named[1]];
}

/** [lat, lon] in decimal degrees, or null. */
export function parsePoint(raw) {
  const [text, longitudeFirst] = unlabelled(
    asciiDigits(raw.trim().replace(/\s+/g, " ").toUpperCase().replace(/[′’´″”º˚\u2212]/g, (ch) => SIGNS[ch])),
  );
  const tokens = pointTokens(text);
  if (!tokens || !tokens.length) return null;
  let coordinates = []; // [degree parts, hemisphere letter]
  let parts = [];
  let letter = "";
  const isHemisphere = (token) => token in LAT || token in LON;
  const lettersFirst = isHemisphere(tokens[0]);
  for (const token of tokens) {
    if (isHemisphere(token)) {
      if (lettersFirst) {
        if (parts.length || letter) coordinates.push([parts, letter]);
        [parts, letter] = [[], token];
      } else {
        coordinates.push([parts, token]);
        parts = [];
      }
    } else if (token === "," || token === ";") {
      if (parts.length && !lettersFirst) {
        coordinates.push([parts, ""]);
        parts = [];
      }
    } else if (token === "°" && parts.length > 1 && !letter) {
      // A new degree value after a finished coordinate with no separator: 44°0'44" 2°52'
      coordinates.push([parts.slice(0, -1), ""]);
      parts = parts.slice(-1);
    } else if (!"°'\"".includes(token)) {
      const value = Number(token);
      if (Number.isNaN(value) || !/\d/.test(token)) return null;
      parts.push(token);
    }
  }
  if (parts.length || letter) coordinates.push([parts, letter]);
  if (coordinates.length === 1 && coordinates[0][0].length === 2 && !coordinates[0][1]) {
    coordinates = [[[coordinates[0][0][0]], ""], [[coordinates[0][0][1]], ""]]; // "44.0 2.8"
  }
  if (coordinates.length !== 2) return null;
  const values = [];
  for (const [degreeParts, hemisphere] of coordinates) {
    if (degreeParts.length < 1 || degreeParts.length > 3) return null;
    let value = Math.abs(Number(degreeParts[0]));
    for (let index = 1; index < degreeParts.length; index += 1) {
      const part = Number(degreeParts[index]);
      if (!(part >= 0 && part < 60)) return null;
      value += part / 60 ** index;
    }
    const negative = degreeParts[0].startsWith("-");
    const sign = LAT[hemisphere] || LON[hemisphere] || (negative ? -1 : 1);
    values.push([value * sign, hemisphere]);
  }
  let [[first, h1], [second, h2]] = values;
  if (h1 in LON || h2 in LAT) [first, second] = [second, first]; // "E 2.87 N 44.01"
  else if (longitudeFirst && !h1 && !h2) [first, second] = [second, first]; // "Long. 5.7 Lat. 45.1"
  if (Math.abs(first) > 90 || Math.abs(second) > 180) return null;
  return [first, second];
}

/** `value` to four decimals as the server writes it (Python's format: from the exact binary
 * value, an exact half to even, -0 keeps its sign); toFixed takes a half away from zero. */
function degrees(value) {
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  const magnitude = Math.abs(value);
  let shown = magnitude.toFixed(4);
  const exact = magnitude.toFixed(100); // every digit of a coordinate's binary value
  const cut = exact.indexOf(".") + 5;
  if (/^50*$/.test(exact.slice(cut)) && Number(shown.slice(-1)) % 2 === 1) shown = exact.slice(0, cut);
  return sign + shown;
}

export const formatPoint = ([lat, lon]) => `${degrees(lat)}, ${degrees(lon)}`;

// --- Placeholders typed instead of a value (worker/consensus/markers.py) -------------------
const ILLEGIBLE_WORDS = new Set(["?", "??", "???", "illisible", "illegible", "non lisible", "unreadable",
  "not readable", "indechiffrable", "undecipherable"]);
const ABSENT_WORDS = new Set(["s.n.", "s.n", "sn", "s. n.", "s.d.", "s.d", "s. d.", "s.l.", "s.l", "s. l.",
  "-", "--", "---", "—", "–", "none", "n/a", "na", "nil", "neant", "aucun", "aucune", "inconnu",
  "inconnue", "unknown", "sans", "non indique", "not given", "not stated", "blank", "vide", "empty"]);

/** "illegible" or "absent" when the text is a placeholder such as "?" or "s.n.", else null. */
export function markerOf(raw) {
  const text = raw.trim().replace(/\s+/g, " ");
  if (text.length > 24) return null;
  const folded = fold(text).replace(/^[\s[\]()]+|[\s[\]()]+$/g, "");
  if (ILLEGIBLE_WORDS.has(folded)) return "illegible";
  if (ABSENT_WORDS.has(folded)) return "absent";
  return null;
}

// --- Select: an option's value, one of its labels, or a synonym --------------------------
/** The option `text` names (value, label in any language, or synonym), or null. */
export function optionFor(options, text) {
  const wanted = fold(text.replace(/\s+/g, " ")); // the server cleans runs of spaces too
  if (!wanted) return null;
  for (const option of options) {
    const names = [option.value, ...Object.values(option.label || {}), ...(option.synonyms || [])];
    if (names.some((name) => fold(name) === wanted)) return option;
  }
  return null;
}
