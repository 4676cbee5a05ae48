// Syntax highlighting of the playground's texts, and diagnostics
// underlined in place. The output is HTML for the pre.hl behind each
// textarea: the same characters, so the two line up exactly.

export type Kind = "rules" | "hosts" | "netgroup" | "files";

/** A range of the text (UTF-16 indexes) and its class. */
interface Tok {
  start: number;
  end: number;
  cls: string;
}

/** A diagnostic's range in the text, in UTF-16 indexes. */
export interface Mark {
  start: number;
  end: number;
  severity: string;
  code: string;
  message: string;
}

const keywords = new Set(["ALL", "LOCAL", "KNOWN", "UNKNOWN", "PARANOID", "EXCEPT"]);
const options = new Set([
  "allow", "deny", "spawn", "twist", "aclexec", "severity", "user", "group", "umask", "nice",
  "setenv", "banners", "keepalive", "linger", "rfc931", "dns",
]);

/** tokens splits text into highlighted ranges; the rest is plain. */
function tokens(text: string, kind: Kind): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    // One logical line: physical lines joined by a trailing backslash.
    let end = i;
    for (;;) {
      const nl = text.indexOf("\n", end);
      if (nl < 0) {
        end = n;
        break;
      }
      if (kind === "rules" && nl > 0 && text[nl - 1] === "\\") {
        end = nl + 1;
        continue;
      }
      end = nl + 1;
      break;
    }
    line(text, i, end, kind, out);
    i = end;
  }
  return out;
}

function line(text: string, start: number, end: number, kind: Kind, out: Tok[]) {
  let i = start;
  while (i < end && (text[i] === " " || text[i] === "\t")) i++;
  if (text[i] === "#") {
    out.push({ start: i, end: trimNL(text, i, end), cls: "t-comment" });
    return;
  }
  if (kind === "files") {
    if (/^-- \S+ --\r?\n?$/.test(text.slice(start, end))) out.push({ start, end: trimNL(text, start, end), cls: "t-header" });
    else words(text, start, end, "t-pattern", out);
    return;
  }
  if (kind === "hosts") {
    const hash = text.indexOf("#", start);
    const stop = hash >= 0 && hash < end ? hash : end;
    let first = true;
    for (const [a, b] of spans(text, start, stop, /[ \t]/)) {
      out.push({ start: a, end: b, cls: first ? "t-addr" : "t-name" });
      first = false;
    }
    if (stop < end) out.push({ start: stop, end: trimNL(text, stop, end), cls: "t-comment" });
    return;
  }
  if (kind === "netgroup") {
    let first = true;
    for (const [a, b] of spans(text, start, end, /[ \t\r\n]/)) {
      out.push({ start: a, end: b, cls: first ? "t-kw" : text[a] === "(" ? "t-pattern" : "t-name" });
      first = false;
    }
    return;
  }
  // A rule: daemons ':' clients [':' options]. Colons inside [...] do
  // not split (IPv6 addresses); in options a backslash escapes a colon.
  const fields: [number, number][] = [];
  let f = start;
  let depth = 0;
  for (let j = start; j < end; j++) {
    const c = text[j];
    if (c === "[") depth++;
    else if (c === "]") depth = Math.max(0, depth - 1);
    else if (c === "\\" && fields.length >= 2) j++;
    else if (c === ":" && depth === 0) {
      fields.push([f, j]);
      out.push({ start: j, end: j + 1, cls: "t-sep" });
      f = j + 1;
    }
  }
  fields.push([f, end]);
  fields.forEach(([a, b], k) => {
    if (k === 0) patterns(text, a, b, "t-daemon", out);
    else if (k === 1) patterns(text, a, b, "t-client", out);
    else option(text, a, b, out);
  });
  const cont = end - 2;
  if (cont >= start && text[cont] === "\\" && text[end - 1] === "\n") out.push({ start: cont, end: cont + 1, cls: "t-cont" });
}

function patterns(text: string, a: number, b: number, cls: string, out: Tok[]) {
  for (const [s, e] of spans(text, a, b, /[ \t\r\n,\\]/)) {
    const w = text.slice(s, e);
    let c = cls;
    if (keywords.has(w)) c = "t-kw";
    else if (w.startsWith("@")) c = "t-netgroup";
    else if (w.startsWith("/")) c = "t-file";
    else if (/^[\[0-9a-fA-F:.\]\/%]+$/.test(w) && /[0-9]/.test(w)) c = "t-addr";
    const at = w.indexOf("@", 1);
    if (at > 0 && cls === "t-client") {
      out.push({ start: s, end: s + at, cls: "t-user" });
      out.push({ start: s + at, end: s + at + 1, cls: "t-sep" });
      const host = w.slice(at + 1);
      out.push({ start: s + at + 1, end: e, cls: keywords.has(host) ? "t-kw" : "t-client" });
      continue;
    }
    out.push({ start: s, end: e, cls: c });
  }
}

// option classes an option's name and its %- and \-sequences. Whether a
// %-sequence is known is not decided here: that depends on the profile,
// and the checker says it (an unknown-expansion diagnostic on exactly the
// sequence, coloured through its mark), so the two cannot disagree.
function option(text: string, a: number, b: number, out: Tok[]) {
  let i = a;
  while (i < b && /\s/.test(text[i])) i++;
  let j = i;
  while (j < b && /[A-Za-z_]/.test(text[j])) j++;
  if (j > i) out.push({ start: i, end: j, cls: options.has(text.slice(i, j).toLowerCase()) ? "t-opt" : "t-bad" });
  for (let k = j; k < b; k++) {
    if (text[k] === "%" && k + 1 < b) {
      out.push({ start: k, end: k + 2, cls: "t-esc" });
      k++;
    } else if (text[k] === "\\" && k + 1 < b && text[k + 1] !== "\n") {
      out.push({ start: k, end: k + 2, cls: "t-esc" });
      k++;
    }
  }
}

function* spans(text: string, a: number, b: number, sep: RegExp): Generator<[number, number]> {
  let s = -1;
  for (let i = a; i <= b; i++) {
    const isSep = i === b || sep.test(text[i]);
    if (isSep) {
      if (s >= 0) yield [s, i];
      s = -1;
    } else if (s < 0) s = i;
  }
}

function words(text: string, a: number, b: number, cls: string, out: Tok[]) {
  for (const [s, e] of spans(text, a, b, /[ \t\r\n,]/)) out.push({ start: s, end: e, cls });
}

function trimNL(text: string, a: number, b: number): number {
  while (b > a && (text[b - 1] === "\n" || text[b - 1] === "\r")) b--;
  return b;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const attr = (s: string) => esc(s).replace(/"/g, "&quot;");

/**
 * highlight returns the HTML of text with its tokens classed and the
 * marks' ranges wrapped in <mark class="diag">. A mark of no width
 * covers the character after it (or a space at the very end).
 */
export function highlight(text: string, kind: Kind, marks: Mark[]): string {
  const toks = tokens(text, kind).sort((x, y) => x.start - y.start);
  // Boundaries of every piece: token edges and mark edges.
  const ms = marks.map((m) => {
    let { start, end } = m;
    start = Math.max(0, Math.min(start, text.length));
    end = Math.max(start, Math.min(end, text.length));
    if (end === start) {
      end = start + 1;
      if (text[start] === "\n" || start >= text.length) end = start; // shown as a caret mark
    }
    return { ...m, start, end };
  });
  const cuts = new Set<number>([0, text.length]);
  for (const t of toks) cuts.add(t.start).add(t.end);
  for (const m of ms) cuts.add(m.start).add(m.end);
  const points = [...cuts].sort((x, y) => x - y);
  let html = "";
  let ti = 0;
  for (let p = 0; p < points.length; p++) {
    const a = points[p];
    const b = p + 1 < points.length ? points[p + 1] : a;
    // Empty marks at a.
    for (const m of ms) if (m.start === a && m.end === a) html += markOpen(m) + " </mark>";
    if (b <= a) continue;
    while (ti < toks.length && toks[ti].end <= a) ti++;
    const tok = ti < toks.length && toks[ti].start <= a && toks[ti].end >= b ? toks[ti] : null;
    let piece = esc(text.slice(a, b));
    if (tok) piece = `<span class="${tok.cls}">${piece}</span>`;
    for (const m of ms) if (m.start <= a && m.end >= b && m.end > m.start) piece = markOpen(m) + piece + "</mark>";
    html += piece;
  }
  // A final newline needs a character after it for the pre to be as tall
  // as the textarea.
  return html + " ";
}

function markOpen(m: Mark): string {
  return `<mark class="diag sev-${attr(m.severity)}" data-severity="${attr(m.severity)}" data-code="${attr(m.code)}" title="${attr(m.message)}">`;
}

/**
 * byteIndex maps the UTF-8 byte offsets the engine reports to UTF-16
 * indexes of text.
 */
export function byteIndex(text: string): (off: number) => number {
  if (/^[\x00-\x7f]*$/.test(text)) return (off) => off;
  const map: number[] = [];
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const len = c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : c >= 0xdc00 && c <= 0xdfff ? 0 : 3;
    for (let k = 0; k < len; k++) map[bytes + k] = i;
    bytes += len;
  }
  map[bytes] = text.length;
  return (off) => (off >= map.length ? text.length : map[off]);
}
