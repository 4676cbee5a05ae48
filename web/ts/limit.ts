// The size limit the playground and the embed widget share: the module
// reads at most 1 MiB of JSON in one call (wire.MaxInputSize), and a
// paste or a drop that would take the texts past it is refused before
// the browser inserts it (the browser's own paste of 5 MB of short lines
// into a textarea took minutes, and none of it could be decided).

/** The most JSON the module reads in one call (wire.MaxInputSize). */
export const maxInput = 1 << 20;

/** The names of an input's tables, for messages. */
const paneNames: Record<string, string> = { allow: "hosts.allow", deny: "hosts.deny", hosts: "/etc/hosts", netgroup: "/etc/netgroup" };

/** texts lists input's texts by name: the tables', then the pattern files'. */
export function texts(input: Record<string, unknown>): [string, string][] {
  const ts: [string, string][] = [];
  for (const [k, name] of Object.entries(paneNames)) {
    const t = input[k];
    if (typeof t === "string") ts.push([name, t]);
  }
  const files = input.files as Record<string, string> | undefined;
  if (files) for (const [k, t] of Object.entries(files)) ts.push([k, t]);
  return ts;
}

/**
 * fits says whether input, whose texts are ts, is at most maxInput bytes
 * of JSON. Every edit asks three times (verdicts, trace, checker), and a
 * paste once more, so it copies and encodes nothing it need not: texts
 * longer in all than the limit are too large whatever their JSON (each
 * UTF-16 unit is at least a byte of it). With a 5 MB paste, stringifying
 * the whole input and encoding it twice cost 0.5–2 s a call on a 2-core
 * machine.
 */
export function fits(input: Record<string, unknown>, ts: [string, string][]): boolean {
  let units = 0;
  for (const [, t] of ts) units += t.length;
  if (units > maxInput) return false;
  // Small enough to tell from the JSON itself.
  const json = JSON.stringify(input);
  return json.length <= maxInput / 3 || utf8Length(json) <= maxInput;
}

/** utf8Length is the length of s in UTF-8, as TextEncoder would encode it, counted. */
export function utf8Length(s: string): number {
  if (/^[\x00-\x7f]*$/.test(s)) return s.length; // the usual case, and a regexp is quick even before the JIT warms up
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a pair: 4 bytes for 2 units
      i++;
    } else n += 2; // 3 bytes (a lone surrogate is U+FFFD's 3)
  }
  return n;
}

export type How = "paste" | "drop";

/**
 * refusal says why inserting text into ta is refused: with it, the texts
 * would be more than the module decides (fits, as every edit is
 * measured; a paste replaces the selection, a drop inserts). input(v)
 * is the input the page would send with v as ta's text, input(null)
 * the one it sends now; who names the page ("the playground"). "" when
 * it fits. The text is first measured by its length alone: a 5 MB paste
 * is refused without a copy of the document.
 */
export function refusal(
  ta: HTMLTextAreaElement,
  text: string,
  how: How,
  who: string,
  input: (v: string | null) => Record<string, unknown>,
): string {
  // Each UTF-16 unit is at least a byte of JSON (a CR LF the textarea
  // makes one newline is still the two bytes of "\n").
  if (text.length <= maxInput) {
    const v = ta.value;
    const [s, t] = how === "paste" ? [ta.selectionStart, ta.selectionEnd] : [0, 0];
    const after = input(v.slice(0, s) + text.replace(/\r\n?/g, "\n") + v.slice(t));
    if (fits(after, texts(after))) return "";
  }
  const before = input(null);
  const n = (x: number) => x.toLocaleString("en");
  const here = fits(before, texts(before))
    ? `of which the texts here already take ${n(utf8Length(JSON.stringify(before)))}`
    : "and the texts here are already past it";
  return (
    `Not ${how === "paste" ? "pasted" : "dropped"}: the text is ${n(utf8Length(text))} bytes, and ${who} decides at most 1 MiB ` +
    `(${n(maxInput)} bytes, counted as the JSON sent to the engine) for all its texts together, ${here}. Nothing was inserted. ` +
    "For tables this large, run tcpwrap check and tcpwrap match on your own machine: they read tables of up to 16 MiB."
  );
}

/** Whether a drag started in the page: its drop moves (or copies) text the texts hold already. */
let draggingInPage = false;
let watchingDrags = false;

/**
 * guardInsertions refuses a paste or a drop into ta when refuse(text,
 * how) says why (refusal, usually): the event is cancelled before the
 * browser inserts anything, and show(why) says so. A paste that fits
 * goes on untouched, onto the undo stack as before. The paste and drop
 * events come first and carry the text; beforeinput catches any
 * insertion they did not announce. The next edit clears the message
 * (show("")).
 */
export function guardInsertions(ta: HTMLTextAreaElement, refuse: (text: string, how: How) => string, show: (why: string) => void) {
  if (!watchingDrags) {
    watchingDrags = true;
    // Drag events are composed: a drag inside a shadow root is seen here too.
    document.addEventListener("dragstart", () => (draggingInPage = true));
    document.addEventListener("dragend", () => (draggingInPage = false));
  }
  /** A paste or drop event let this insertion through: its beforeinput need not ask again. */
  let vetted = false;
  const guard = (e: Event, text: string, how: How) => {
    if (text === "") return;
    const why = refuse(text, how);
    if (!why) {
      vetted = true;
      setTimeout(() => (vetted = false)); // its beforeinput comes in this same task
      return;
    }
    e.preventDefault();
    show(why);
  };
  ta.addEventListener("input", () => show(""));
  ta.addEventListener("paste", (e) => guard(e, e.clipboardData?.getData("text/plain") ?? "", "paste"));
  ta.addEventListener("drop", (e) => {
    if (!draggingInPage) guard(e, e.dataTransfer?.getData("text/plain") ?? "", "drop");
  });
  ta.addEventListener("beforeinput", (e) => {
    if (!e.inputType.startsWith("insertFrom") || vetted || draggingInPage) return;
    const how = e.inputType === "insertFromDrop" ? "drop" : "paste";
    guard(e, e.data ?? e.dataTransfer?.getData("text/plain") ?? "", how);
  });
}

/**
 * showRefusal writes why (or clears it, for "") into note, ta's status
 * line (role=status), and names note in ta's aria-describedby while it
 * says something.
 */
export function showRefusal(ta: HTMLTextAreaElement, note: HTMLElement | null, why: string) {
  if (!note || note.textContent === why) return;
  note.textContent = why;
  const ids = (ta.getAttribute("aria-describedby") ?? "").split(" ").filter((x) => x && x !== note.id);
  if (why) ids.push(note.id);
  if (ids.length) ta.setAttribute("aria-describedby", ids.join(" "));
  else ta.removeAttribute("aria-describedby");
}
