// The playground (GET / and GET /s/ID): it makes the server-rendered
// page live. Every edit re-evaluates every request in a Web Worker
// running the wasm/js module (no server round trip), the selected
// request's trace is shown step by step, and the checker's diagnostics
// are underlined in the editors. Nothing typed leaves the tab except by
// Share; no command from a rule ever runs (the module only reports
// them).
//
// Hooks for tests and measurements: body[data-state] is "loading" until
// the first verdicts render, then "ready"; window.tcpwrapPlayground
// holds {latency (ms from the last edit to its verdicts on screen),
// moduleMs (of which in the module), evaluations, checks, diffs (the
// Changes panel's diffs answered) and diffsCanceled (stopped by an edit),
// firstVerdictAt}; a performance mark "tcpwrap:first-verdict" is set
// once, and a measure "tcpwrap:PHASE" for each of the page's own phases
// that took 10 ms or more (input, collect, size-check, paste-check,
// paint: see phase).

import type {
  CheckOutput,
  Diagnostic,
  DiffChange,
  DiffExample,
  DiffOutcome,
  Expect,
  FormatOutput,
  Output,
  Request,
  RequestResult,
  Result,
  Step,
  Token,
} from "../../wasm/js/tcpwrap";
import { Canceled, Engine, Latest } from "./engine";
import type { DiffSummary } from "./worker";
import { fetchModule } from "./module";
import { fits, guardInsertions, maxInput, refusal, showRefusal, texts, utf8Length } from "./limit";
import { byteIndex, highlight, type Kind, type Mark } from "./highlight";
import {
  type DNS,
  type Doc,
  type Tables,
  changesStatus,
  ctlOf,
  type Profile,
  decodeFragment,
  encodeFragment,
  exampleRequest,
  fileOrder,
  formatExpect,
  formatFiles,
  formatOperands,
  maxFragmentDoc,
  normalizeDoc,
  orderField,
  outcomeText,
  parseExpect,
  parseFiles,
  parseRequestLines,
  sameTables,
  testFile,
} from "./state";

interface Example {
  id: string;
  title: string;
  about: string;
  doc: Doc;
}

type PaneID = "allow" | "deny" | "hosts" | "netgroup" | "files";
const paneIDs: PaneID[] = ["allow", "deny", "hosts", "netgroup", "files"];

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const hooks = { latency: NaN, evaluations: 0, firstVerdictAt: NaN, checks: 0, moduleMs: NaN, diffs: 0, diffsCanceled: 0 };
(window as unknown as { tcpwrapPlayground: typeof hooks }).tcpwrapPlayground = hooks;

/** The shortest phase left on the performance timeline, ms. */
const slowPhase = 10;

/**
 * phase runs f and, when it took slowPhase ms or more, leaves a
 * performance measure "tcpwrap:NAME" on the timeline: where a slow edit
 * (a huge paste) spends the page's own time. Quick phases leave nothing,
 * so a long session's timeline stays short.
 */
function phase<T>(name: string, f: () => T): T {
  const t0 = performance.now();
  try {
    return f();
  } finally {
    const t1 = performance.now();
    if (t1 - t0 >= slowPhase) performance.measure(`tcpwrap:${name}`, { start: t0, end: t1 });
  }
}

// ---- Editors -------------------------------------------------------------

/** The most text (UTF-16 units) the highlighted layer draws at once. */
const maxPainted = 200_000;

class Pane {
  readonly ta: HTMLTextAreaElement;
  readonly pre: HTMLPreElement;
  readonly box: HTMLElement;
  readonly kind: Kind;
  absent: boolean;
  marks: Mark[] = [];
  /**
   * raw is the file's exact text while it holds carriage returns, which
   * a textarea turns into newlines: a loaded file is decided as it is
   * until the pane is edited (a notice says so).
   */
  raw: string | null = null;
  private crNote: HTMLElement | null = null;
  /** The pane's status line (p#ID-refusal, role=status): why a paste was refused. */
  private refusalNote: HTMLElement | null;
  private frame = 0;

  constructor(readonly id: PaneID, onInput: (e: Event) => void) {
    this.ta = byId<HTMLTextAreaElement>(id);
    this.box = this.ta.parentElement as HTMLElement;
    this.pre = this.box.querySelector("pre.hl") as HTMLPreElement;
    this.kind = (this.box.dataset.kind as Kind) || "rules";
    this.absent = this.box.hasAttribute("data-absent");
    this.refusalNote = document.getElementById(`${id}-refusal`);
    // A paste or a drop that would take the texts past what the module
    // decides is refused before the browser inserts it (limit.ts).
    guardInsertions(
      this.ta,
      (text, how) => phase("paste-check", () => refusal(this.ta, text, how, "the playground", (v) => evaluateInput(collectDoc(v === null ? undefined : [this.id, v])))),
      (why) => this.setRefusal(why),
    );
    this.ta.addEventListener("input", (e) =>
      phase("input", () => {
        this.setRaw(null);
        this.setAbsent(false);
        this.fit();
        this.paint();
        onInput(e);
      }),
    );
    this.ta.addEventListener("scroll", () => this.syncScroll());
    this.ta.addEventListener("keydown", (e) => this.key(e));
    this.fit();
    this.paint();
  }

  /** The file's text; null when it does not exist. */
  get value(): string | null {
    if (this.raw !== null) return this.raw;
    return this.absent && this.ta.value === "" ? null : this.ta.value;
  }

  set value(v: string | null) {
    this.setRefusal("");
    this.ta.value = v ?? "";
    this.setRaw(v !== null && v.includes("\r") ? v : null);
    this.setAbsent(v === null);
    this.marks = [];
    this.fit();
    this.paint();
  }

  setRaw(raw: string | null) {
    if (raw === this.raw) return;
    this.raw = raw;
    if (raw !== null && !this.crNote) {
      this.crNote = document.createElement("p");
      this.crNote.className = "cr-note";
      this.crNote.id = `${this.id}-cr`;
      this.crNote.textContent =
        "This file contains carriage returns (CR), which the editor cannot show: it is decided exactly as loaded. Editing it turns every CR LF and lone CR into a newline.";
      this.box.after(this.crNote);
    }
    if (this.crNote) this.crNote.hidden = raw === null;
    const ids = (this.ta.getAttribute("aria-describedby") ?? "").split(" ").filter((x) => x && x !== `${this.id}-cr`);
    if (raw !== null) ids.push(`${this.id}-cr`);
    this.ta.setAttribute("aria-describedby", ids.join(" "));
  }

  /**
   * indexer maps the byte offsets the engine reports in value to
   * indexes of the textarea's text (where each CR LF is one newline).
   */
  indexer(): (off: number) => number {
    const idx = byteIndex(this.value ?? "");
    if (this.raw === null) return idx;
    const raw = this.raw;
    const drop: number[] = []; // indexes of the CRs of CR LF pairs
    for (let i = raw.indexOf("\r\n"); i >= 0; i = raw.indexOf("\r\n", i + 2)) drop.push(i);
    return (off) => {
      const i = idx(off);
      let lo = 0;
      let hi = drop.length;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (drop[m] < i) lo = m + 1;
        else hi = m;
      }
      return i - lo;
    };
  }

  /** setRefusal shows why (or clears it, for "") in the pane's status line. */
  setRefusal(why: string) {
    showRefusal(this.ta, this.refusalNote, why);
  }

  setAbsent(absent: boolean) {
    this.absent = absent;
    this.box.toggleAttribute("data-absent", absent);
    this.ta.placeholder = absent ? "(no such file: type to create it)" : "(empty file)";
  }

  setMarks(marks: Mark[]) {
    this.marks = marks;
    this.paint();
  }

  /** paint re-renders the highlighted copy on the next frame. */
  paint() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      phase("paint", () => this.render());
    });
  }

  // Only the lines in view (and a margin) are highlighted: a 1,000-line
  // table costs what 60 lines cost. from and to are the rendered lines.
  private from = 0;
  private to = 0;
  private lh = 0;
  private inner: HTMLElement | null = null;

  private window(): [number, number] {
    this.lh ||= parseFloat(getComputedStyle(this.ta).lineHeight) || 20;
    const first = Math.max(0, Math.floor(this.ta.scrollTop / this.lh) - 20);
    return [first, first + Math.ceil(this.ta.clientHeight / this.lh) + 40];
  }

  private render() {
    if (!this.inner) {
      this.inner = document.createElement("div");
      this.inner.className = "hl-inner";
      this.pre.replaceChildren(this.inner);
    }
    // Every layout read comes before the one DOM write: no forced
    // layout in between.
    const v = this.ta.value;
    const [first, last] = this.window();
    const left = this.ta.scrollLeft;
    const top = this.ta.scrollTop;
    let a = 0;
    for (let k = 0; k < first && a < v.length; k++) {
      const i = v.indexOf("\n", a);
      a = i < 0 ? v.length : i + 1;
    }
    let b = a;
    for (let k = first; k < last && b < v.length; k++) {
      const i = v.indexOf("\n", b);
      b = i < 0 ? v.length : i + 1;
    }
    // A huge line (a 5 MB paste) is not copied into the highlighted
    // layer: laying it out twice froze the tab. The textarea shows it.
    const plain = b - a > maxPainted;
    this.box.classList.toggle("plain", plain);
    const marks = plain
      ? []
      : this.marks.filter((m) => m.end >= a && m.start <= b).map((m) => ({ ...m, start: m.start - a, end: m.end - a }));
    this.inner.innerHTML = plain ? "" : highlight(v.slice(a, b), this.kind, marks);
    this.from = first;
    this.to = last;
    this.place(left, top);
  }

  private place(left = this.ta.scrollLeft, top = this.ta.scrollTop) {
    if (this.inner) this.inner.style.transform = `translate(${-left}px, ${this.from * this.lh - top}px)`;
  }

  syncScroll() {
    this.lh ||= parseFloat(getComputedStyle(this.ta).lineHeight) || 20;
    const top = Math.floor(this.ta.scrollTop / this.lh);
    const visible = Math.ceil(this.ta.clientHeight / this.lh) + 1;
    if (top < this.from || top + visible > this.to) this.render();
    else this.place();
  }

  /** fit grows the textarea with its text, up to 24 lines. */
  fit() {
    let lines = 1;
    const v = this.ta.value;
    for (let i = v.indexOf("\n"); i >= 0 && lines < 25; i = v.indexOf("\n", i + 1)) lines++;
    this.ta.rows = Math.max(3, Math.min(24, lines + 1));
  }

  private escaped = false;

  /** Tab inserts a tab (hosts.allow allows them); Esc then Tab leaves. */
  private key(e: KeyboardEvent) {
    if (e.key === "Escape") {
      this.escaped = true;
      return;
    }
    if (e.key === "Tab" && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey && !this.escaped) {
      e.preventDefault();
      const { selectionStart: s, selectionEnd: t } = this.ta;
      this.ta.setRangeText("\t", s, t, "end");
      this.ta.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if (e.key !== "Escape") this.escaped = false;
  }

  /** The caret's line, 1-based. */
  caretLine(): number {
    const v = this.ta.value.slice(0, this.ta.selectionStart);
    let n = 1;
    for (let i = v.indexOf("\n"); i >= 0; i = v.indexOf("\n", i + 1)) n++;
    return n;
  }

  /** lineStart is the index where line n (1-based) starts. */
  lineStart(n: number): number {
    const v = this.ta.value;
    let start = 0;
    for (let k = 1; k < n; k++) {
      const i = v.indexOf("\n", start);
      if (i < 0) break;
      start = i + 1;
    }
    return start;
  }

  /**
   * reveal selects lines first to last (default: first), or from column
   * col (1-based, in bytes as the engine counts) of line first to its
   * end, and scrolls to them.
   */
  reveal(first: number, col = 0, last = first) {
    const v = this.ta.value;
    let start = this.lineStart(first);
    let end = v.indexOf("\n", this.lineStart(last));
    if (end < 0) end = v.length;
    if (col > 1) start += byteIndex(v.slice(start, end))(col - 1);
    this.select(start, end, first);
  }

  /** select selects start..end (indexes of the text) on line `line`. */
  select(start: number, end: number, line: number) {
    const details = this.box.closest("details");
    if (details) details.open = true;
    this.ta.focus();
    this.ta.setSelectionRange(start, end);
    const lh = parseFloat(getComputedStyle(this.ta).lineHeight) || 18;
    this.ta.scrollTop = Math.max(0, (line - 3) * lh);
    // focus ran caretDiag before the caret moved: once more, here.
    caretDiag();
  }
}

// ---- Requests table ------------------------------------------------------

const tbody = document.querySelector("#requests tbody") as HTMLTableSectionElement;
// A row's text fields: a connection's (hosts_access), or a hosts_ctl
// request's, which has no server, client or ports but a name and an
// address taken as given. The kind select swaps one set for the other.
const fields = ["daemon", "server", "client", "user"] as const;
const ctlFields = ["daemon", "name", "addr", "user"] as const;
type RowKind = "access" | "ctl";

function rows(): HTMLTableRowElement[] {
  return Array.from(tbody.querySelectorAll<HTMLTableRowElement>("tr.request"));
}

function rowKind(tr: HTMLTableRowElement): RowKind {
  return (tr.querySelector("select.kind") as HTMLSelectElement | null)?.value === "ctl" ? "ctl" : "access";
}

/** fieldValue is the text of a row's input of class f ("" without one). */
function fieldValue(tr: HTMLTableRowElement, f: string): string {
  return (tr.querySelector(`input.${f}`) as HTMLInputElement | null)?.value ?? "";
}

/**
 * readRow is the request a row holds, with its expected verdict when
 * the expect field holds one (text that is not one is left out: see
 * markExpect).
 */
function readRow(tr: HTMLTableRowElement): Request {
  const v = (f: string) => fieldValue(tr, f).trim();
  const { expect } = parseExpect(fieldValue(tr, "expect"));
  if (rowKind(tr) === "ctl") {
    const c: Request = { ctl: { daemon: v("daemon"), name: v("name"), addr: v("addr"), user: v("user") } };
    if (expect) c.expect = expect;
    return c;
  }
  const r: Request = { daemon: v("daemon"), client: v("client") };
  if (v("server")) r.server = v("server");
  if (v("user")) r.user = v("user");
  // Ports have no field: a share's or a link's are kept as they came.
  const cp = Number(tr.dataset.clientPort || 0);
  const sp = Number(tr.dataset.serverPort || 0);
  if (cp) r.clientPort = cp;
  if (sp) r.serverPort = sp;
  if (expect) r.expect = expect;
  return r;
}

// The expect field's title (web/playground.templ's requestRow says the same).
const expectHint = 'The verdict this request must get: granted, denied or delegated, optionally "by hosts.allow:N", "by hosts.deny:N" or "by none" (as in tcpwrap test). Empty: any.';

/** expectField is a row's expected-verdict field. */
function expectField(tr: HTMLTableRowElement): HTMLInputElement | null {
  return tr.querySelector("input.expect");
}

/**
 * markExpect marks tr's expect field invalid (aria-invalid, its title the
 * reason) when its text is not an expected verdict; such text stays in
 * the field but is left out of the evaluation. It returns the reason, ""
 * for valid or empty text.
 */
function markExpect(tr: HTMLTableRowElement): string {
  const input = expectField(tr);
  if (!input) return "";
  const { error } = parseExpect(input.value);
  if (error) {
    input.setAttribute("aria-invalid", "true");
    input.title = `Not an expected verdict, so not checked: ${error}`;
  } else {
    input.removeAttribute("aria-invalid");
    input.title = expectHint;
  }
  return error ?? "";
}

/** expectCell is the cell of a row's expected verdict, holding e. */
function expectCell(e: Expect | null | undefined): HTMLTableCellElement {
  const td = document.createElement("td");
  const input = document.createElement("input");
  input.className = "expect";
  input.type = "text";
  input.spellcheck = false;
  input.autocapitalize = "off";
  input.setAttribute("aria-label", "expected verdict");
  input.placeholder = "any";
  input.title = expectHint;
  input.value = e ? formatExpect(e) : "";
  td.append(input);
  return td;
}

/** rowCells are the kind select's cell and r's text fields' cells. */
function rowCells(r: Request): HTMLTableCellElement[] {
  const c = ctlOf(r);
  const kindTd = document.createElement("td");
  const kind = document.createElement("select");
  kind.className = "kind";
  kind.setAttribute("aria-label", "kind of request");
  kind.title = "A connection (hosts_access), or a hosts_ctl request: strings taken as given";
  for (const [value, text] of [["access", "hosts_access"], ["ctl", "hosts_ctl"]]) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    o.selected = (value === "ctl") === (c !== null);
    kind.append(o);
  }
  kindTd.append(kind);
  const values = (c ?? r) as unknown as Record<string, string | undefined>;
  const cells = [kindTd];
  for (const f of c ? ctlFields : fields) {
    const td = document.createElement("td");
    const input = document.createElement("input");
    input.className = f;
    input.type = "text";
    input.spellcheck = false;
    input.autocapitalize = "off";
    input.setAttribute("aria-label", f);
    input.placeholder = f;
    input.value = values[f] ?? "";
    td.append(input);
    cells.push(td);
  }
  return cells;
}

function addRow(r: Request, select = false): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.className = "request";
  tr.setAttribute("aria-selected", "false");
  if (!r.ctl && r.clientPort) tr.dataset.clientPort = String(r.clientPort);
  if (!r.ctl && r.serverPort) tr.dataset.serverPort = String(r.serverPort);
  const verdict = document.createElement("td");
  verdict.className = "verdict";
  verdict.setAttribute("aria-live", "polite");
  const rm = document.createElement("td");
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "remove";
  btn.title = "Remove";
  btn.setAttribute("aria-label", "remove this request");
  btn.textContent = "×";
  rm.append(btn);
  tr.append(...rowCells(r), expectCell(r.expect), verdict, rm);
  tbody.append(tr);
  markExpect(tr);
  if (select) selectRow(tr);
  return tr;
}

/**
 * setKind turns tr into a request of the kind its select now says: the
 * daemon and the user stay, the client's text becomes the address (and
 * back); a connection's server and ports, a hosts_ctl name, are dropped.
 */
function setKind(tr: HTMLTableRowElement) {
  const v = (f: string) => fieldValue(tr, f);
  const r: Request =
    rowKind(tr) === "ctl"
      ? { ctl: { daemon: v("daemon"), name: "", addr: v("client"), user: v("user") } }
      : { daemon: v("daemon"), client: v("addr"), user: v("user") };
  delete tr.dataset.clientPort;
  delete tr.dataset.serverPort;
  const cells = rowCells(r);
  const old = Array.from(tr.cells).slice(0, cells.length);
  old.forEach((td, i) => td.replaceWith(cells[i]));
  (tr.querySelector("select.kind") as HTMLSelectElement).focus();
}

/** clientField is the field a row's client goes in: client, or a hosts_ctl request's addr. */
function clientField(tr: HTMLTableRowElement): HTMLInputElement {
  return tr.querySelector("input.client, input.addr") as HTMLInputElement;
}

let selected: HTMLTableRowElement | null = null;

function selectRow(tr: HTMLTableRowElement | null) {
  for (const r of rows()) r.setAttribute("aria-selected", String(r === tr));
  selected = tr;
  why();
}

// ---- State ---------------------------------------------------------------

let panes: Record<PaneID, Pane>;
const profileSel = byId<HTMLSelectElement>("profile");

function collect(): Doc {
  return phase("collect", collectDoc);
}

/**
 * collectDoc reads the document off the page; edit, when given, is one
 * pane's text in place of its own (what a paste would leave there).
 */
function collectDoc(edit?: [PaneID, string]): Doc {
  const text = (id: PaneID) => (edit?.[0] === id ? edit[1] : panes[id].value);
  const { files, order } = parseFiles(text("files") ?? "");
  const doc: Doc = {
    allow: text("allow"),
    deny: text("deny"),
    hosts: text("hosts"),
    netgroup: text("netgroup"),
    files,
    profile: profileSel.value as Profile,
    requests: rows().map(readRow),
  };
  const what = whatIf();
  if (what) doc.dns = what;
  const fo = orderField(files, order);
  if (fo) doc.fileOrder = fo;
  return doc;
}

function load(doc: Doc) {
  panes.allow.value = doc.allow;
  panes.deny.value = doc.deny;
  panes.hosts.value = doc.hosts;
  panes.netgroup.value = doc.netgroup;
  panes.files.value = formatFiles(doc.files, fileOrder(doc));
  setWhatIf(doc.dns);
  profileSel.value = doc.profile;
  tbody.replaceChildren();
  for (const r of doc.requests) addRow(r);
  const first = rows()[0] ?? null;
  selectRow(first);
  const more = document.querySelector("details.more") as HTMLDetailsElement;
  if (doc.netgroup || Object.keys(doc.files).length) more.open = true;
  changed();
  // What the Changes panel compares with: the tables as loaded.
  setBaseline(currentTables());
}

/** policy is the wire policy part of doc. */
function policy(doc: Doc) {
  return {
    allow: doc.allow,
    deny: doc.deny,
    hosts: doc.hosts ?? "",
    netgroup: doc.netgroup,
    files: doc.files,
    profile: doc.profile,
  };
}

// ---- Evaluation ----------------------------------------------------------

const workerURL = new URL("worker.js", import.meta.url);
// One compilation of the module for both workers.
const compiled: Promise<WebAssembly.Module | null> = WebAssembly.compileStreaming(
  fetchModule(new URL("tcpwrap.wasm", import.meta.url)),
).catch(() => null);
const verdicts = new Engine(workerURL, compiled); // the requests table
// The trace, the diagnostics and format, in a second worker started once
// the first verdicts are up, so that it never delays them.
let helperEngine: Engine | null = null;
let firstVerdicts!: () => void;
const firstVerdictsDone = new Promise<void>((r) => (firstVerdicts = r));
const helper = {
  async call<T>(op: "evaluate" | "check" | "format", input: unknown, trim = false) {
    await firstVerdictsDone;
    helperEngine ??= new Engine(workerURL, compiled);
    return helperEngine.call<T>(op, input, trim);
  },
};
// The Changes panel's diffs, in a third worker started the first time the
// tables differ from the baseline: a diff of a 1,000-line table takes
// seconds in the module, and the trace and the diagnostics do not wait
// for it. A diff under way when the panes are edited is stopped with its
// worker (cancelDiff): on a 2-core machine it would otherwise take a core
// from the verdicts of every keystroke until it ends.
let differEngine: Engine | null = null;
const differ = {
  async call<T>(op: "evaluate" | "diff", input: unknown, limit?: number) {
    await firstVerdictsDone;
    differEngine ??= new Engine(workerURL, compiled);
    return differEngine.call<T>(op, input, false, limit);
  },
};

/**
 * cancelDiff stops the Changes panel's worker when it is working on a
 * diff (or its examples): the panes changed, so its answer would be
 * dropped. The next diff starts another worker.
 */
function cancelDiff() {
  if (!differEngine?.busy) return;
  differEngine.terminate();
  differEngine = null;
  hooks.diffsCanceled++;
}
const verdictJobs = new Latest();
const whyJobs = new Latest();
const checkJobs = new Latest();
const diffJobs = new Latest();
let checkTimer = 0;
let whyTimer = 0;
let diffTimer = 0;

/** changed re-evaluates after any edit; t0 is the edit's time. */
function changed(t0 = performance.now()) {
  pinNote = "";
  // The trace waits for the verdicts: they are what a keystroke must
  // update first.
  verdictJobs.run(() => evaluateAll(t0));
  // The trace and the checker wait for a pause in typing: they share the
  // second worker and the main thread with nothing urgent.
  clearTimeout(whyTimer);
  whyTimer = window.setTimeout(why, 60);
  clearTimeout(checkTimer);
  checkTimer = window.setTimeout(() => checkJobs.run(check), 250);
  // The Changes panel, after the same pause.
  clearTimeout(diffTimer);
  diffTimer = window.setTimeout(() => diffJobs.run(compare), 250);
}

/**
 * tooLarge says why input is more than the module reads, naming the
 * texts that make it so (their sizes counted, not encoded); "" when it
 * is not. more names texts of input that texts() does not know (a
 * diff's old tables).
 */
function tooLarge(input: Record<string, unknown>, more: [string, string][] = []): string {
  return phase("size-check", () => {
    const ts = [...texts(input), ...more];
    return fits(input, ts) ? "" : tooLargeMessage(ts.map(([name, t]) => [name, utf8Length(t)]));
  });
}

function tooLargeMessage(sizes: [string, number][]): string {
  sizes.sort((a, b) => b[1] - a[1]);
  const n = (x: number) => x.toLocaleString("en");
  const big = sizes.filter(([, b]) => b > 0).slice(0, 3).map(([name, b]) => `${name} is ${n(b)} bytes`);
  return `Too large for the playground: ${big.join(", ")}; all the texts together may be at most 1 MiB (${n(maxInput)} bytes, counted as the JSON sent to the engine).`;
}

/** evaluateInput is what evaluateAll sends the module for doc: the largest input the page sends. */
function evaluateInput(doc: Doc): Record<string, unknown> {
  return { ...policy(doc), requests: doc.requests, noTrace: true };
}

async function evaluateAll(t0: number) {
  const doc = collect();
  const input = evaluateInput(doc);
  const too = tooLarge(input);
  const { result, ms } = too ? { result: { error: too } as Output, ms: 0 } : await verdicts.call<Output>("evaluate", input);
  hooks.moduleMs = ms;
  const trs = rows();
  const tally: Tally = { total: 0, met: 0, unmet: [], unread: [], error: result.error ?? "" };
  trs.forEach((tr, i) => {
    const cell = tr.querySelector("td.verdict") as HTMLTableCellElement;
    const rr = result.results?.[i];
    let access = "error";
    let title = result.error ?? rr?.error ?? "";
    if (rr?.predictions?.length) {
      const ps = rr.predictions;
      access = ps.every((p) => p.access === ps[0].access) ? ps[0].access : "mixed";
      title = ps.map((p) => `${p.request.address || p.client.addr || "?"}: ${p.access}, ${p.reason}`).join("\n");
    }
    let span = cell.querySelector("span.access");
    if (cell.dataset.access !== access || !span) {
      cell.dataset.access = access;
      span ??= cell.insertBefore(document.createElement("span"), cell.firstChild);
      span.className = "access";
      span.textContent = access;
    }
    cell.title = title;
    const req = doc.requests[i];
    const unread = markExpect(tr);
    if (unread) tally.unread.push(`row ${i + 1}: ${unread}`);
    const met = req?.expect && rr?.expect ? rr.expect.met : null;
    showExpect(cell, req?.expect ?? null, met, rr);
    if (req?.expect) {
      tally.total++;
      if (met) tally.met++;
      else if (met === false) tally.unmet.push(`row ${i + 1} (${formatOperands(req)})`);
    }
  });
  showTally(tally);
  hooks.latency = performance.now() - t0;
  hooks.evaluations++;
  if (document.body.dataset.state !== "ready") {
    document.body.dataset.state = "ready";
    const m = performance.mark("tcpwrap:first-verdict");
    hooks.firstVerdictAt = m.startTime;
    firstVerdicts();
  }
  const err = byId("eval-error");
  if (err) err.textContent = result.error ?? "";
}

// ---- Expected verdicts ----------------------------------------------------

/** What the status line says of the rows' expectations. */
interface Tally {
  /** Rows with an expectation, and how many of them met it. */
  total: number;
  met: number;
  /** The rows whose expectation was not met, as "row N (REQUEST)". */
  unmet: string[];
  /** The rows whose expect text is not an expectation, and why. */
  unread: string[];
  /** Why nothing was decided (the whole evaluation's error). */
  error: string;
}

const expectStatus = byId("expect-status");
/** What "Expect these verdicts" last did, said until the next edit. */
let pinNote = "";

/**
 * gotText is what each of rr's predictions got, in an expectation's
 * words and with its address: "granted by hosts.allow:2 (10.0.0.1)".
 */
function gotText(rr: RequestResult | undefined): string {
  const got = rr?.expect?.got ?? [];
  if (!got.length) return `error (${rr?.error ?? "no prediction"})`;
  return got
    .map((g, k) => {
      const p = rr?.predictions?.[k];
      const addr = p ? p.request.address || p.client.addr || "unknown" : "";
      return formatExpect({ access: g.access, rule: g.rule ?? "none" }) + (addr ? ` (${addr})` : "");
    })
    .join("; ");
}

/**
 * showExpect shows in a verdict cell whether its row's expectation want
 * was met: data-expect "met" or "unmet" and a mark (✓ or ✗, its title
 * and accessible name what was wanted and what was got); nothing when
 * the row has no expectation or met is null (not decided).
 */
function showExpect(cell: HTMLTableCellElement, want: Expect | null, met: boolean | null, rr: RequestResult | undefined) {
  let mark = cell.querySelector<HTMLElement>("span.expect-mark");
  if (!want || met === null) {
    mark?.remove();
    delete cell.dataset.expect;
    return;
  }
  const state = met ? "met" : "unmet";
  const title = `want ${formatExpect(want)}, got ${gotText(rr)}`;
  if (!mark) {
    mark = document.createElement("span");
    mark.className = "expect-mark";
    mark.setAttribute("role", "img");
    cell.append(mark);
  }
  if (cell.dataset.expect !== state) {
    cell.dataset.expect = state;
    mark.textContent = met ? "✓" : "✗";
  }
  if (mark.title !== title) {
    mark.title = title;
    mark.setAttribute("aria-label", `${met ? "as expected" : "not as expected"}: ${title}`);
  }
}

/** showTally writes the expectations' status line (empty when no row has one). */
function showTally(t: Tally) {
  const parts: string[] = [];
  if (t.total && t.error) parts.push(`${t.total} expectation${t.total === 1 ? "" : "s"} not checked: nothing was decided`);
  else if (t.total && t.met === t.total) parts.push(t.total === 1 ? "1 expectation met" : `all ${t.total} expectations met`);
  else if (t.total) parts.push(`${t.met} of ${t.total} expectation${t.total === 1 ? "" : "s"} met; not met: ${t.unmet.join(", ")}`);
  if (t.unread.length) parts.push(`not an expected verdict, so not checked: ${t.unread.join("; ")}`);
  if (pinNote) parts.push(pinNote);
  // Sentences: each part capitalised.
  const text = parts.map((x) => x[0].toUpperCase() + x.slice(1) + ".").join(" ");
  if (expectStatus.textContent !== text) expectStatus.textContent = text;
  expectStatus.dataset.total = String(t.total);
  expectStatus.dataset.met = String(t.met);
  expectStatus.dataset.unread = String(t.unread.length);
  if (t.total && !t.error) expectStatus.dataset.state = t.met === t.total ? "met" : "unmet";
  else delete expectStatus.dataset.state;
}

/**
 * pinVerdicts fills every row's expect field from the verdict it gets
 * now: the access, and the rule when every prediction (every address of
 * the client) was decided by the same rule. A row whose predictions get
 * different verdicts, or none, is left alone, and the status line says
 * so.
 */
async function pinVerdicts() {
  const trs = rows();
  const doc = collect();
  // Each request with a stand-in expectation: its result's got is then
  // what each prediction got, its rule named as an expectation names it.
  const input = { ...evaluateInput(doc), requests: doc.requests.map((r) => ({ ...r, expect: { access: "granted" } })) };
  const too = tooLarge(input);
  const { result } = too ? { result: { error: too } as Output } : await verdicts.call<Output>("evaluate", input);
  const left: string[] = [];
  let set = 0;
  if (result.error) left.push(result.error);
  else {
    trs.forEach((tr, i) => {
      const field = expectField(tr);
      const rr = result.results?.[i];
      const got = rr?.expect?.got ?? [];
      if (!field || !tr.isConnected) return;
      if (!got.length) {
        left.push(`row ${i + 1} (no verdict: ${rr?.error ?? "no prediction"})`);
        return;
      }
      const accesses = [...new Set(got.map((g) => g.access))];
      if (accesses.length > 1) {
        left.push(`row ${i + 1} (its client's addresses get different verdicts: ${accesses.join(", ")})`);
        return;
      }
      const e: Expect = { access: got[0].access };
      if (got[0].rule && got.every((g) => g.rule === got[0].rule)) e.rule = got[0].rule;
      field.value = formatExpect(e);
      set++;
    });
  }
  changed();
  pinNote =
    `Expected verdicts set from the current ones: ${set} of ${trs.length} row${trs.length === 1 ? "" : "s"}` +
    (left.length ? `; left alone: ${left.join("; ")}` : "");
}

/**
 * downloadTests saves the rows as a file for tcpwrap test (testFile):
 * the same lines the paste box reads, to run in CI against the panes.
 */
function downloadTests() {
  const doc = collect();
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([testFile(doc)], { type: "text/plain" }));
  a.download = "tcpwrap-expect.txt";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  const n = doc.requests.filter((r) => r.expect).length;
  pinNote = `Downloaded tcpwrap-expect.txt: ${n} expected verdict${n === 1 ? "" : "s"}` + (n < doc.requests.length ? `, ${doc.requests.length - n} request${doc.requests.length - n === 1 ? "" : "s"} without one as comments` : "");
  // The status line says it, beside the tally (no edit: pinNote stays).
  verdictJobs.run(() => evaluateAll(performance.now()));
}

// ---- Why -----------------------------------------------------------------

const dnsName = byId<HTMLInputElement>("dns-name");

function dnsMode(): string {
  return (document.querySelector('input[name="dns"]:checked') as HTMLInputElement | null)?.value ?? "table";
}

/** whatIf is the DNS what-if as the document keeps it: none for "as the table says". */
function whatIf(): DNS | undefined {
  const mode = dnsMode();
  if (mode === "table") return undefined;
  const dns: DNS = { mode: mode as DNS["mode"] };
  const name = dnsName.value.trim();
  if (name) dns.name = name;
  return dns;
}

function setWhatIf(dns: DNS | undefined) {
  const mode = dns?.mode ?? "table";
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="dns"]')) r.checked = r.value === mode;
  dnsName.value = dns?.name ?? "";
}

function why() {
  whyJobs.run(explain);
}

/** How many quiet lines in a row the module folds into one step. */
const traceFold = 20;
/** How many trace entries are drawn at a time (a fold's lines too). */
const tracePage = 200;

// The selected request's explanation: which of its client's addresses
// is shown (a name may have several), by address.
let whyAddress = "";

async function explain() {
  const out = byId("why-verdict");
  const trace = byId("trace");
  const details = byId("why-details");
  const commands = byId("commands");
  const addrs = byId("why-addresses");
  if (!selected || !selected.isConnected) {
    out.textContent = "Select a request.";
    delete out.dataset.access;
    for (const el of [trace, details, commands, addrs]) el.replaceChildren();
    return;
  }
  const doc = collect();
  const req = readRow(selected);
  const input: Record<string, unknown> = { ...policy(doc), requests: [req] };
  if (doc.dns) input.dns = doc.dns;
  const too = tooLarge(input);
  if (too) {
    out.textContent = `error: ${too}`;
    out.dataset.access = "error";
    for (const el of [trace, details, commands, addrs]) el.replaceChildren();
    return;
  }
  // The decision first, without a trace (the tables' indexes: fast on
  // any table), then the trace, folded by the module.
  const { result } = await helper.call<Output>("evaluate", { ...input, noTrace: true });
  const rr = result.results?.[0];
  const err = result.error ?? rr?.error;
  for (const el of [details, commands, addrs]) el.replaceChildren();
  if (err || !rr?.predictions?.length) {
    out.textContent = `error: ${err ?? "no prediction"}`;
    out.dataset.access = "error";
    trace.replaceChildren();
    return;
  }
  const ps = rr.predictions;
  let k = Math.max(0, ps.findIndex((p) => p.request.address === whyAddress));
  if (ps.length > 1) addrs.append(addressPicker(ps, k));
  const p = ps[k];
  whyAddress = p.request.address;
  out.dataset.access = p.access;
  out.replaceChildren(verdictLine(p, ps));
  if (!dnsName.value && !p.request.ctl && p.client.name && p.client.name !== "unknown" && p.client.name !== "paranoid") {
    dnsName.placeholder = p.client.name;
  }
  renderDetails(details, commands, p, req, doc.dns, rr);
  if (whyJobs.pending) return; // a newer explanation follows: skip this trace
  trace.setAttribute("aria-busy", "true");
  const full = await helper.call<Output>("evaluate", { ...input, traceFold }, true);
  const fp = full.result.results?.[0]?.predictions?.[k];
  trace.removeAttribute("aria-busy");
  renderTrace(trace, fp?.trace ?? [], { ...input, requests: [req] }, k);
}

/** addressPicker chooses which of a client's addresses is explained. */
function addressPicker(ps: Result[], k: number): HTMLElement {
  const label = document.createElement("label");
  label.className = "inline";
  label.textContent = `This client has ${ps.length} addresses; explain `;
  const sel = document.createElement("select");
  sel.id = "why-address";
  ps.forEach((p, i) => {
    const o = document.createElement("option");
    o.value = p.request.address;
    o.textContent = `${p.request.address || "?"} (${p.access})`;
    o.selected = i === k;
    sel.append(o);
  });
  sel.addEventListener("change", () => {
    whyAddress = sel.value;
    why();
  });
  label.append(sel);
  return label;
}

function verdictLine(p: Result, ps: Result[]): DocumentFragment {
  const f = document.createDocumentFragment();
  const strong = document.createElement("strong");
  strong.className = p.access;
  strong.textContent = p.access;
  f.append(strong, `: ${p.reason}`);
  if (p.request.ctl) f.append(` — hosts_ctl request, client ${p.request.ctl.addr || "unknown"} (name ${p.client.name ?? (p.request.ctl.name || "unknown")}), no server`);
  else f.append(` — client ${hostText(p.client, p.request.address)}`);
  if (ps.length > 1) {
    const others = ps.filter((q) => q !== p);
    const mixed = others.some((q) => q.access !== p.access);
    f.append(` (one of ${ps.length} addresses${mixed ? "; the others are not all " + p.access : ""})`);
  }
  return f;
}

/**
 * hostText shows an endpoint. The engine looks an address or a name up
 * only when a rule needs it: a null addr with a known request address
 * (given) is that address; "unknown" only when there is none.
 */
function hostText(h: { addr: string | null; name: string | null }, given = ""): string {
  return `${h.addr ?? (given || "unknown")} (${h.name === null ? "name not looked up" : `name ${h.name}`})`;
}

/** A trace entry: one step, a run of steps for other daemons, or a fold. */
type Entry = { step: Step; stop: boolean } | { run: Step[] } | { fold: Step };

function entries(steps: Step[]): Entry[] {
  const out: Entry[] = [];
  const last = steps.length - 1;
  let run: Step[] = [];
  const flush = () => {
    if (run.length >= 4) out.push({ run });
    else for (const st of run) out.push({ step: st, stop: false });
    run = [];
  };
  steps.forEach((st, i) => {
    const stop = i === last && st.match;
    if (st.kind === "fold") {
      flush();
      out.push({ fold: st });
      return;
    }
    const dull = !stop && (st.kind !== "rule" || !st.daemonMatch);
    if (dull && (run.length === 0 || run[0].file === st.file)) {
      run.push(st);
      return;
    }
    flush();
    if (dull) run.push(st);
    else out.push({ step: st, stop });
  });
  flush();
  return out;
}

/**
 * renderTrace draws the trace: at most tracePage entries, then a button
 * for the next ones; folds and runs are drawn when opened. input is the
 * explanation's input and k its address, for a fold's lines.
 */
function renderTrace(ol: HTMLElement, steps: Step[], input: Record<string, unknown>, k: number) {
  const all = entries(steps);
  const last = steps.length - 1;
  // An error in the last step (a pattern file that includes itself) ended
  // the search there; its note says so.
  const end = steps.length === 0 || (!steps[last].match && !stepFailed(steps[last]));
  const frag = document.createDocumentFragment();
  let shown = 0;
  const more = () => {
    const part = document.createDocumentFragment();
    for (const e of all.slice(shown, shown + tracePage)) part.append(entryItem(e, input, k));
    shown = Math.min(all.length, shown + tracePage);
    if (shown < all.length) part.append(moreButton(`Show the next ${Math.min(tracePage, all.length - shown)} of ${all.length - shown} more trace entries`, more));
    else if (end) {
      const li = document.createElement("li");
      li.className = "end";
      li.textContent = "No rule matched: the search ran to the end of both files.";
      part.append(li);
    }
    return part;
  };
  frag.append(more());
  ol.replaceChildren(frag);
}

/** moreButton is an li with a button that replaces itself with next(). */
function moreButton(text: string, next: () => DocumentFragment | Promise<DocumentFragment>): HTMLLIElement {
  const li = document.createElement("li");
  li.className = "more";
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.addEventListener("click", async () => {
    b.disabled = true;
    li.replaceWith(await next());
  });
  li.append(b);
  return li;
}

function entryItem(e: Entry, input: Record<string, unknown>, k: number): HTMLLIElement {
  if ("step" in e) return stepItem(e.step, e.stop);
  const li = document.createElement("li");
  li.className = "group";
  const d = document.createElement("details");
  const s = document.createElement("summary");
  const inner = document.createElement("ol");
  d.append(s, inner);
  li.append(d);
  if ("run" in e) {
    const run = e.run;
    s.textContent = `${fileOf(run[0])} lines ${run[0].line}–${run[run.length - 1].line}: ${run.length} lines read, none for this daemon`;
    // Built when opened: a long table's trace stays cheap.
    d.addEventListener("toggle", () => {
      if (d.open && !inner.firstChild) for (const st of run) inner.append(stepItem(st, false));
    });
    return li;
  }
  const f = e.fold;
  li.classList.add("fold");
  li.dataset.file = f.file;
  li.dataset.line = String(f.line);
  li.dataset.endLine = String(f.endLine ?? f.line);
  const n = (x: number) => x.toLocaleString("en");
  s.textContent = `${fileOf(f)} lines ${n(f.line)}–${n(f.endLine ?? f.line)}: no match (${n(f.count ?? 0)} lines` +
    (f.daemonLines ? `; ${n(f.daemonLines)} for this daemon, whose client list did not match` : "; none for this daemon") + ")";
  // A fold's lines come from the module when opened, tracePage at a time.
  let next = f.line;
  const load = async (): Promise<DocumentFragment> => {
    const first = next;
    const lastLine = Math.min(f.endLine ?? f.line, first + tracePage - 1);
    next = lastLine + 1;
    const { result } = await helper.call<Output>("evaluate", { ...input, traceLines: { file: f.file, first, last: lastLine } }, true);
    const part = document.createDocumentFragment();
    const steps = result.results?.[0]?.predictions?.[k]?.trace ?? [];
    for (const st of steps) part.append(stepItem(st, false));
    if (result.error) part.append(Object.assign(document.createElement("li"), { textContent: `error: ${result.error}` }));
    if (next <= (f.endLine ?? f.line)) part.append(moreButton(`Show lines ${n(next)}–${n(Math.min(f.endLine ?? f.line, next + tracePage - 1))}`, load));
    return part;
  };
  d.addEventListener("toggle", async () => {
    if (d.open && !inner.firstChild) inner.replaceChildren(await load());
  });
  return li;
}

function fileOf(st: Step): string {
  return st.file.replace(/^.*\//, "");
}

function stepItem(st: Step, stop: boolean): HTMLLIElement {
  const li = document.createElement("li");
  li.className = "step" + (stop ? " stop" : "") + (st.match ? " match" : "");
  li.dataset.file = st.file;
  li.dataset.line = String(st.line);
  const loc = document.createElement("button");
  loc.type = "button";
  loc.className = "loc";
  loc.textContent = `${fileOf(st)}:${st.line}`;
  loc.title = "Show this line in the editor";
  // A continued rule spans several physical lines; its number is the last.
  loc.addEventListener("click", () => paneOfFile(st.file)?.reveal(st.span?.start.line || st.line, 0, st.line));
  const code = document.createElement("code");
  code.textContent = st.text.replace(/\n$/, "");
  li.append(loc, " ", code);
  const note = document.createElement("div");
  note.className = "outcome";
  switch (st.kind) {
    case "comment":
      note.textContent = "comment";
      break;
    case "blank":
      note.textContent = "blank line";
      break;
    case "no-separator":
      note.textContent = st.note ? "" : "no colon: libwrap skips the line with a warning";
      break;
    case "unterminated":
      note.textContent = "no newline at the end: libwrap reads no further";
      break;
    default:
      note.textContent = stepFailed(st)
        ? "an error ended the decision here"
        : !st.daemonMatch
        ? (st.daemons ?? []).some((t) => t.text.includes("@") && t.state === "no-match")
          ? "the daemon list does not match (a daemon@host pattern also needs the server's host part to match)"
          : "the daemon list does not match"
        : !st.clientMatch
          ? "the daemon list matches; the client list does not"
          : stop
            ? "the rule matches: the search stops here"
            : "the rule matches";
  }
  if (st.note && st.note !== st.kind) note.append(note.textContent ? ` — ${st.note}` : st.note);
  li.append(note);
  const toks = [...(st.daemons ?? []), ...(st.clients ?? [])].filter((t) => t.state !== "skipped" || t.why);
  if (toks.length) {
    const ul = document.createElement("ul");
    ul.className = "tokens";
    for (const t of toks) ul.append(tokenItem(t));
    li.append(ul);
  }
  return li;
}

/** stepFailed reports whether one of st's tokens ended the decision. */
function stepFailed(st: Step): boolean {
  return [...(st.daemons ?? []), ...(st.clients ?? [])].some((t) => t.state === "error");
}

function tokenItem(t: Token): HTMLLIElement {
  const li = document.createElement("li");
  li.className = `tok state-${t.state}`;
  li.dataset.depth = String(t.depth);
  const code = document.createElement("code");
  code.textContent = t.text;
  const state = { match: "matches", "no-match": "does not match", except: "", skipped: "not tested", error: "ended the decision" }[t.state];
  if (t.state === "except") {
    // The token is EXCEPT itself; its reason says what the exception did.
    li.append("  ".repeat(t.depth), code, t.why ? ` ${t.why.replace(/^EXCEPT:\s*/, "")}` : "");
  } else {
    li.append("  ".repeat(t.depth), code, ` ${state}`);
    if (t.why) li.append(`: ${t.why}`);
  }
  if (t.lookups?.length) {
    const ul = document.createElement("ul");
    ul.className = "lookups";
    for (const l of t.lookups) {
      const x = document.createElement("li");
      x.textContent = `lookup: ${l}`;
      ul.append(x);
    }
    li.append(ul);
  }
  return li;
}

function renderDetails(box: HTMLElement, commands: HTMLElement, p: Result, req: Request, dns?: DNS, rr?: RequestResult) {
  const dl = document.createElement("dl");
  const row = (k: string, v: string) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    const code = document.createElement("code");
    code.textContent = v;
    dd.append(code);
    dl.append(dt, dd);
  };
  const ctl = p.request.ctl;
  if (ctl) {
    // As tcpwrap match --ctl says it: no socket, nothing looked up.
    const q = JSON.stringify;
    row("request", `hosts_ctl(${q(ctl.daemon)}, ${q(ctl.name)}, ${q(ctl.addr)}, ${q(ctl.user)}): strings, no socket: nothing is looked up`);
    if (dns) row("dns", "the DNS what-if does not apply: hosts_ctl looks nothing up");
  }
  if (p.matched) row("rule", `${p.matched.path}:${p.matched.line}: ${p.matched.text.replace(/\n$/, "")}`);
  if (req.expect && rr?.expect) row("expected", `${formatExpect(req.expect)}: ${rr.expect.met ? "met" : `not met (got ${gotText(rr)})`}`);
  if (ctl) {
    const name = p.client.name ?? (ctl.name === "" ? "unknown (NAME is empty)" : ctl.name);
    const user = p.user ?? (ctl.user === "" ? "unknown (USER is empty)" : ctl.user);
    row("client", `${p.client.addr ?? (ctl.addr || "unknown")} (name ${name}), user ${user}`);
    row("server", "none (hosts_ctl gives none)");
  } else {
    row("client", `${hostText(p.client, p.request.address)}${p.user ? `, user ${p.user}` : ""}`);
    row("server", req.server ? hostText(p.server, req.server) : `${p.server.addr ?? "none given"} (${p.server.name === null ? "name not looked up" : `name ${p.server.name}`})`);
  }
  for (const o of p.options) row("option", o.value === null ? o.name : `${o.name} ${o.value}`);
  // The banner a banners option would send, as text.
  if (p.banner != null) row("banner", p.banner);
  for (const e of p.env ?? []) row("setenv", `${e.name}=${e.value}`);
  // What the options would change in the daemon's process or connection.
  for (const e of p.effects ?? []) row("effect", `${e.text} (not made here)`);
  for (const w of p.warnings) row("warning", w);
  if (p.error) row("error", p.error);
  for (const l of p.log) row("log", l);
  box.replaceChildren(dl);
  for (const c of p.commands) {
    const li = document.createElement("li");
    const code = document.createElement("code");
    code.textContent = c.command;
    li.append(`${c.kind} would run (never run here): `, code);
    commands.append(li);
  }
}

// ---- Diagnostics ---------------------------------------------------------

const pathOf: Record<string, PaneID> = {
  "/etc/hosts.allow": "allow",
  "/etc/hosts.deny": "deny",
  "/etc/hosts": "hosts",
  "/etc/netgroup": "netgroup",
};

function paneOfFile(file: string): Pane | null {
  const id = pathOf[file] ?? (file.endsWith("hosts.allow") ? "allow" : file.endsWith("hosts.deny") ? "deny" : null);
  if (id) return panes[id];
  return file.startsWith("/") ? panes.files : null;
}

let diags: Diagnostic[] = [];

/** How many diagnostics the list draws; the rest are counted. */
const maxListed = 100;

async function check() {
  const doc = collect();
  const list = byId("diagnostics");
  const status = byId("diag-status");
  const too = tooLarge(policy(doc));
  if (too) {
    diags = [];
    const li = document.createElement("li");
    li.className = "sev-error";
    li.textContent = too;
    list.replaceChildren(li);
    status.textContent = "";
    for (const id of paneIDs) panes[id].setMarks([]);
    hooks.checks++;
    return;
  }
  // The list on screen is the last text's until the checker answers.
  status.textContent = diags.length || list.firstChild ? "checking…" : "";
  list.setAttribute("aria-busy", "true");
  const { result } = await helper.call<CheckOutput>("check", policy(doc));
  hooks.checks++;
  list.removeAttribute("aria-busy");
  status.textContent = "";
  if (checkJobs.pending) return; // stale: a newer check follows
  diags = result.diagnostics ?? [];
  const byPane = new Map<Pane, Mark[]>();
  for (const id of paneIDs) byPane.set(panes[id], []);
  const items: HTMLLIElement[] = [];
  const indexes = new Map<Pane, (off: number) => number>();
  if (result.error) {
    const li = document.createElement("li");
    li.className = "sev-error";
    li.textContent = result.error;
    items.push(li);
  }
  diags.forEach((d, i) => {
    const pane = paneOfFile(d.file);
    let mark: Mark | null = null;
    if (pane) {
      let base = 0;
      const text = pane.value ?? "";
      let ok = true;
      if (pane === panes.files) {
        // The file's text starts after its "-- /path --" line.
        const m = new RegExp(`^-- ${d.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} --\r?\n`, "m").exec(text);
        if (m) base = new TextEncoder().encode(text.slice(0, m.index + m[0].length)).length;
        ok = !!m;
      }
      if (ok) {
        let idx = indexes.get(pane);
        if (!idx) indexes.set(pane, (idx = pane.indexer()));
        mark = { start: idx(base + d.offset), end: idx(base + d.endOffset), severity: d.severity, code: d.code, message: d.message };
        byPane.get(pane)!.push(mark);
      }
    }
    if (i >= maxListed) return;
    const li = document.createElement("li");
    li.className = `sev-${d.severity}`;
    li.dataset.code = d.code;
    const loc = document.createElement("button");
    loc.type = "button";
    loc.className = "loc";
    loc.textContent = `${d.file}:${d.line ?? 0}:${d.col ?? 0}`;
    // The diagnostic's own range, not just its line.
    loc.addEventListener("click", () => {
      if (pane && mark) pane.select(mark.start, Math.max(mark.start, mark.end), d.line ?? 1);
      else pane?.reveal(d.line ?? 1, d.col ?? 0);
    });
    li.append(loc, ` ${d.severity}: ${d.message} `);
    const code = document.createElement("span");
    code.className = "code";
    code.textContent = `[${d.code}]`;
    code.title = d.doc;
    li.append(code);
    items.push(li);
  });
  if (diags.length > maxListed) {
    const li = document.createElement("li");
    li.className = "more";
    const n = diags.length - maxListed;
    li.textContent = `and ${n.toLocaleString("en")} more (${diags.length.toLocaleString("en")} in all; each is underlined in its file)`;
    items.push(li);
  }
  list.replaceChildren(...items);
  for (const [pane, marks] of byPane) pane.setMarks(marks);
  caretDiag();
}

/**
 * caretDiag shows the message of the diagnostic under the caret, else of
 * the first on the caret's line.
 */
function caretDiag() {
  const line = byId("diag-line");
  const el = document.activeElement;
  const pane = paneIDs.map((id) => panes[id]).find((p) => p.ta === el);
  if (!pane) {
    line.textContent = "";
    return;
  }
  const n = pane.caretLine();
  const at = pane.ta.selectionStart;
  const m = pane.marks.find((x) => x.start <= at && at <= Math.max(x.end, x.start + 1));
  if (m) {
    line.textContent = `line ${n}: ${m.severity}: ${m.message}`;
    return;
  }
  const d = diags.find((x) => paneOfFile(x.file) === pane && pane !== panes.files && x.line === n);
  line.textContent = d ? `line ${n}: ${d.severity}: ${d.message}` : "";
}

// ---- Changes since the baseline ------------------------------------------

// The baseline: hosts.allow and hosts.deny as the page loaded them (the
// default example, a share, a link, an example) or as "Set as baseline"
// last took them. The page's own state: shares and links leave it out.
let baseline: Tables = { allow: null, deny: null };

const changesPanel = byId("changes");
const changesStatusLine = byId("changes-status");
const changesList = byId("changes-list");
const changesRules = byId<HTMLInputElement>("changes-rules");
const changesRulesLabel = changesRules.closest("label") as HTMLElement;

/** What the panel shows: the input compared (its JSON), the answer, and the example rows it may add. */
let shownDiff: { key: string; summary: DiffSummary; rows: Map<DiffExample, Request> } | null = null;

/** currentTables are the two editors' texts, exactly as decided. */
function currentTables(): Tables {
  return { allow: panes.allow.value, deny: panes.deny.value };
}

/** diffInput is what compare sends the module for doc: its policy and the baseline's tables. */
function diffInput(doc: Doc): Record<string, unknown> {
  return { ...policy(doc), old: { allow: baseline.allow, deny: baseline.deny } };
}

function setBaseline(t: Tables) {
  baseline = t;
  cancelDiff();
  diffNow();
}

/** diffNow brings the panel up to date at once (no pause: a button was pressed, a document loaded). */
function diffNow() {
  clearTimeout(diffTimer);
  diffJobs.run(compare);
}

/**
 * revert puts the baseline's texts back in the editors, as an edit:
 * where the browser supports it (execCommand), it is on the undo stack.
 * A text the editor cannot hold (no such file, carriage returns) is set.
 */
function revert() {
  for (const id of ["allow", "deny"] as const) {
    const pane = panes[id];
    const text = baseline[id];
    if (text === pane.value) continue;
    if (text === null || text.includes("\r")) {
      pane.value = text;
      continue;
    }
    pane.ta.focus();
    pane.ta.select();
    if (!document.execCommand?.("insertText", false, text) || pane.value !== text) pane.value = text;
  }
  changed();
  diffNow();
}

/** showChangesState sets the panel's state (data-state) and the buttons it allows. */
function showChangesState(state: "same" | "busy" | "changes" | "error") {
  changesPanel.dataset.state = state;
  const same = state === "same";
  byId<HTMLButtonElement>("diff-baseline").disabled = same;
  byId<HTMLButtonElement>("diff-revert").disabled = same;
  if (state === "busy") changesList.setAttribute("aria-busy", "true");
  else changesList.removeAttribute("aria-busy");
}

function setChangesStatus(text: string) {
  if (changesStatusLine.textContent !== text) changesStatusLine.textContent = text;
}

/**
 * compare brings the Changes panel up to date: when the tables are the
 * baseline's it says so and asks nothing; else it diffs them in the
 * third worker, then checks which examples a request row reproduces (an
 * evaluation of them with the new verdicts as expectations). An answer
 * for texts no longer in the panes, or a baseline no longer set, is
 * dropped: a newer job follows (every edit schedules one, and so do the
 * baseline's buttons).
 */
async function compare() {
  const doc = collect();
  const now: Tables = { allow: doc.allow, deny: doc.deny };
  if (sameTables(now, baseline)) {
    shownDiff = null;
    showChangesState("same");
    setChangesStatus("The tables are the baseline's: edit hosts.allow or hosts.deny to see what the edit changes.");
    changesRulesLabel.hidden = true;
    changesList.replaceChildren();
    return;
  }
  const input = diffInput(doc);
  const key = JSON.stringify(input);
  if (shownDiff?.key === key && changesPanel.dataset.state !== "busy") return; // only the requests changed
  const too = tooLarge(input, [
    ["the baseline's hosts.allow", baseline.allow ?? ""],
    ["the baseline's hosts.deny", baseline.deny ?? ""],
  ]);
  if (too) {
    shownDiff = null;
    showChangesState("error");
    setChangesStatus(`Not compared: ${too}`);
    changesRulesLabel.hidden = true;
    changesList.replaceChildren();
    return;
  }
  // A list on screen stays until the answer (aria-busy, greyed); a
  // status that said there was nothing to list says what is under way.
  if (changesPanel.dataset.state !== "changes") setChangesStatus("Comparing with the baseline…");
  showChangesState("busy");
  // Stale: the tables, the other panes or the baseline are no longer
  // what was compared (an edit of the requests is not: the answer
  // stands, and the job it queued finds it shown).
  const stale = () => JSON.stringify(diffInput(collect())) !== key;
  let result: DiffSummary;
  try {
    ({ result } = await differ.call<DiffSummary>("diff", input, maxListed));
  } catch (e) {
    if (e instanceof Canceled) return; // an edit stopped it: its job follows
    throw e;
  }
  hooks.diffs++;
  if (stale()) return;
  const rows = new Map<DiffExample, Request>();
  if (!result.error) {
    // The rows the examples would make, each expecting the verdict now:
    // offered only where the current tables decide the row so.
    const cands: [DiffExample, Request][] = [];
    for (const c of result.changes) for (const ex of c.examples ?? []) {
      const r = exampleRequest(ex, c.new);
      if (r) cands.push([ex, r]);
    }
    const evalInput = { ...policy(doc), requests: cands.map(([, r]) => r), noTrace: true };
    if (cands.length && !tooLarge(evalInput)) {
      let out: Output;
      try {
        ({ result: out } = await differ.call<Output>("evaluate", evalInput));
      } catch (e) {
        if (e instanceof Canceled) return;
        throw e;
      }
      if (stale()) return;
      cands.forEach(([ex, r], i) => {
        if (out.results?.[i]?.expect?.met) rows.set(ex, r);
      });
    }
  }
  shownDiff = { key, summary: result, rows };
  renderChanges();
}

/** renderChanges draws shownDiff (the rule-only changes too when the box is checked). */
function renderChanges() {
  if (!shownDiff) return;
  const { summary: s, rows } = shownDiff;
  if (s.error) {
    showChangesState("error");
    setChangesStatus(`Not compared: ${s.error}`);
    changesRulesLabel.hidden = true;
    changesList.replaceChildren();
    return;
  }
  showChangesState("changes");
  setChangesStatus(changesStatus(s.verdicts, s.rules));
  changesPanel.dataset.verdicts = String(s.verdicts);
  changesPanel.dataset.rules = String(s.rules);
  changesRulesLabel.hidden = s.rules === 0;
  const items: HTMLLIElement[] = [];
  const more = (n: number, what: string) => {
    const li = document.createElement("li");
    li.className = "more";
    li.textContent = `and ${n.toLocaleString("en")} more ${what} (tcpwrap diff lists them all)`;
    items.push(li);
  };
  const verdictChanges = s.changes.filter((c) => c.verdict);
  for (const c of verdictChanges) items.push(changeItem(c, rows));
  if (s.verdicts > verdictChanges.length) more(s.verdicts - verdictChanges.length, "changes of verdict");
  if (changesRules.checked) {
    const ruleChanges = s.changes.filter((c) => !c.verdict);
    for (const c of ruleChanges) items.push(changeItem(c, rows));
    if (s.rules > ruleChanges.length) more(s.rules - ruleChanges.length, "changes of the deciding rule");
  }
  changesList.replaceChildren(...items);
}

/** changeItem is one change: how it goes, what decided before and now, and its examples. */
function changeItem(c: DiffChange, rows: Map<DiffExample, Request>): HTMLLIElement {
  const li = document.createElement("li");
  li.className = "change" + (c.verdict ? " verdict" : " rule");
  const head = document.createElement("p");
  head.className = "change-head";
  const word = (o: DiffOutcome) => {
    const span = document.createElement("span");
    span.className = o.error ? "error" : o.access;
    span.textContent = o.error ? "error" : o.access;
    return span;
  };
  head.append(word(c.old), " → ", word(c.new));
  if (!c.verdict) head.append(" (another rule)");
  const side = (label: string, o: DiffOutcome, link: boolean) => {
    const p = document.createElement("p");
    p.className = "change-" + label;
    const text = outcomeText(o);
    if (link && o.rule && text.includes(o.rule)) {
      // The rule is the current editor's: a link to its line.
      const [file, line] = o.rule.split(":");
      const i = text.indexOf(o.rule);
      const loc = document.createElement("button");
      loc.type = "button";
      loc.className = "loc";
      loc.textContent = o.rule;
      loc.title = "Show this line in the editor";
      loc.addEventListener("click", () => paneOfFile(file)?.reveal(Number(line)));
      p.append(`${label}: ${text.slice(0, i)}`, loc, text.slice(i + o.rule.length));
    } else p.append(`${label}: ${text}`);
    if (o.text) {
      const code = document.createElement("code");
      code.textContent = o.text;
      p.append(" ", code);
    }
    return p;
  };
  li.append(head, side("was", c.old, false), side("now", c.new, true));
  const ul = document.createElement("ul");
  ul.className = "examples";
  ul.setAttribute("aria-label", "for example");
  for (const ex of c.examples ?? []) {
    const x = document.createElement("li");
    x.append(ex.text);
    const r = rows.get(ex);
    if (r) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "add-request";
      b.textContent = "Add as request";
      b.setAttribute("aria-label", `Add as request: ${ex.text}, expecting ${formatExpect(r.expect!)}`);
      b.title = `A request row expecting ${formatExpect(r.expect!)}: it pins this change`;
      b.addEventListener("click", () => {
        const tr = addRow(structuredClone(r), true);
        tr.scrollIntoView({ block: "nearest" });
        changed();
      });
      x.append(" ", b);
    }
    ul.append(x);
  }
  if (c.cases > (c.examples ?? []).length) {
    const x = document.createElement("li");
    x.className = "more";
    const n = c.cases - (c.examples ?? []).length;
    x.textContent = `and ${n.toLocaleString("en")} more representative request${n === 1 ? "" : "s"}`;
    ul.append(x);
  }
  li.append(ul);
  return li;
}

// ---- Sharing -------------------------------------------------------------

const shareBar = byId("sharebar");
const shareURL = byId<HTMLInputElement>("share-url");
const shareStatus = byId("share-status");

async function copy(url: string, what: string) {
  shareBar.hidden = false;
  shareURL.value = url;
  try {
    await navigator.clipboard.writeText(url);
    shareStatus.textContent = `${what} copied to the clipboard.`;
  } catch {
    shareURL.select();
    shareStatus.textContent = `${what} ready: copy it from the field.`;
  }
}

/**
 * tooBig says why doc cannot be shared nor linked: a share and a link
 * both hold at most maxFragmentDoc bytes of JSON (the server's
 * MaxShareSize); "" when it fits.
 */
function tooBig(doc: Doc): string {
  const n = new TextEncoder().encode(JSON.stringify(doc)).length;
  if (n <= maxFragmentDoc) return "";
  const f = (x: number) => x.toLocaleString("en");
  return `this document is ${f(n)} bytes as JSON; a share or a link holds at most ${f(maxFragmentDoc)} bytes (64 KiB). Shorten the tables, or keep the files elsewhere.`;
}

async function share() {
  shareStatus.textContent = "Sharing…";
  shareBar.hidden = false;
  const doc = collect();
  const big = tooBig(doc);
  if (big) {
    shareURL.value = "";
    shareStatus.textContent = `Not shared: ${big}`;
    return;
  }
  let res: Response;
  try {
    res = await fetch("/api/shares", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(doc),
    });
  } catch {
    shareStatus.textContent = "Could not reach the server (offline?). The Link button needs no server.";
    return;
  }
  const body = (await res.json().catch(() => ({}))) as { id?: string; url?: string; error?: string };
  if (!res.ok || !body.id) {
    shareStatus.textContent = `Not shared: ${body.error ?? `HTTP ${res.status}`}`;
    return;
  }
  await copy(new URL(`/s/${body.id}`, location.href).href, "Share link");
}

async function link() {
  const doc = collect();
  const big = tooBig(doc);
  if (big) {
    shareBar.hidden = false;
    shareURL.value = "";
    shareStatus.textContent = `No link: ${big}`;
    return;
  }
  const frag = await encodeFragment(doc);
  const url = new URL(location.href);
  url.hash = frag;
  history.replaceState(null, "", url.href);
  await copy(url.href, "Link");
}

// ---- Format, examples, theme, help ----------------------------------------

async function format() {
  const doc = collect();
  const { result } = await helper.call<FormatOutput>("format", policy(doc));
  if (result.error) {
    byId("diag-line").textContent = `format: ${result.error}`;
    return;
  }
  for (const [id, text] of [
    ["allow", result.allow],
    ["deny", result.deny],
  ] as const) {
    const pane = panes[id];
    if (text !== null && text !== pane.ta.value) {
      pane.ta.focus();
      pane.ta.select();
      // execCommand keeps the change on the undo stack where supported.
      if (!document.execCommand?.("insertText", false, text)) pane.value = text;
    }
  }
  changed();
}

function examples(): Example[] {
  const el = document.getElementById("examples-data");
  try {
    return JSON.parse(el?.textContent ?? "[]") as Example[];
  } catch {
    return [];
  }
}

function setTheme(t: "light" | "dark") {
  document.documentElement.dataset.theme = t;
  byId("theme").setAttribute("aria-pressed", String(t === "dark"));
  try {
    localStorage.setItem("tcpwrap-theme", t);
  } catch {
    /* private mode */
  }
}

function toggleTheme() {
  setTheme(document.documentElement.dataset.theme === "dark" ? "light" : "dark");
}

// ---- Start ---------------------------------------------------------------

/** rawDocument is the share's exact texts (#doc-data) when the server sent them. */
function rawDocument(): Doc | null {
  const el = document.getElementById("doc-data");
  if (!el) return null;
  try {
    return normalizeDoc(JSON.parse(el.textContent ?? ""));
  } catch {
    return null;
  }
}

/**
 * keepRaw gives the panes whose texts hold carriage returns their exact
 * text: the textareas (filled by the HTML parser) hold it with every CR
 * LF and CR turned into LF.
 */
function keepRaw(doc: Doc) {
  for (const id of ["allow", "deny", "hosts", "netgroup"] as const) {
    const t = doc[id];
    if (t !== null && t.includes("\r")) panes[id].value = t;
  }
  const files = formatFiles(doc.files, fileOrder(doc));
  if (files.includes("\r")) panes.files.value = files;
}

function start() {
  const t = (() => {
    try {
      return localStorage.getItem("tcpwrap-theme");
    } catch {
      return null;
    }
  })();
  setTheme(t === "dark" || t === "light" ? t : matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");

  panes = {} as Record<PaneID, Pane>;
  for (const id of paneIDs) {
    panes[id] = new Pane(id, (e) => {
      cancelDiff();
      changed(e.timeStamp || performance.now());
    });
  }
  for (const id of paneIDs) {
    panes[id].ta.addEventListener("keyup", caretDiag);
    panes[id].ta.addEventListener("click", caretDiag);
    panes[id].ta.addEventListener("focus", caretDiag);
  }
  profileSel.addEventListener("change", () => {
    cancelDiff();
    changed();
  });

  tbody.addEventListener("change", (e) => {
    const target = e.target as HTMLElement;
    const tr = target.closest("tr.request") as HTMLTableRowElement | null;
    if (!tr || !target.matches("select.kind")) return;
    setKind(tr);
    changed(e.timeStamp || performance.now());
    why();
  });
  tbody.addEventListener("input", (e) => {
    if ((e.target as HTMLElement).matches("select.kind")) return; // change swaps the fields
    const tr = (e.target as HTMLElement).closest("tr.request") as HTMLTableRowElement | null;
    if (tr && (e.target as HTMLElement).matches("input.expect")) markExpect(tr);
    if (tr && tr !== selected) selectRow(tr);
    changed(e.timeStamp || performance.now());
  });
  tbody.addEventListener("focusin", (e) => {
    const tr = (e.target as HTMLElement).closest("tr.request") as HTMLTableRowElement | null;
    if (tr && tr !== selected) selectRow(tr);
  });
  tbody.addEventListener("click", (e) => {
    const target = e.target as HTMLElement;
    const tr = target.closest("tr.request") as HTMLTableRowElement | null;
    if (!tr) return;
    if (target.closest("button.remove")) {
      const next = (tr.nextElementSibling ?? tr.previousElementSibling) as HTMLTableRowElement | null;
      tr.remove();
      if (selected === tr) selectRow(next);
      changed();
      return;
    }
    if (tr !== selected) selectRow(tr);
  });
  byId("add-request").addEventListener("click", () => {
    const last = rows().at(-1);
    // A copy of the last request, without its expectation: the new one
    // is yet to be decided.
    const r: Request = last ? readRow(last) : { daemon: "sshd", client: "192.0.2.1" };
    delete r.expect;
    const tr = addRow(r, true);
    clientField(tr).focus();
    changed();
  });
  byId("import-requests").addEventListener("click", () => {
    const ta = byId<HTMLTextAreaElement>("paste-requests");
    const { requests, errors } = parseRequestLines(ta.value);
    let first: HTMLTableRowElement | null = null;
    for (const r of requests) {
      const tr = addRow(r);
      first ??= tr;
    }
    if (first) selectRow(first);
    byId("import-status").textContent =
      `${requests.length} request${requests.length === 1 ? "" : "s"} added.` + (errors.length ? ` Skipped: ${errors.join("; ")}` : "");
    if (!errors.length) ta.value = "";
    changed();
  });
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="dns"]')) r.addEventListener("change", why);
  dnsName.addEventListener("input", why);

  byId("pin-verdicts").addEventListener("click", pinVerdicts);
  byId("diff-baseline").addEventListener("click", () => setBaseline(currentTables()));
  byId("diff-revert").addEventListener("click", revert);
  changesRules.addEventListener("change", renderChanges);
  changesPanel.hidden = false;
  byId("download-tests").addEventListener("click", downloadTests);
  byId("format").addEventListener("click", format);
  byId("share").addEventListener("click", share);
  byId("link").addEventListener("click", link);
  byId("theme").addEventListener("click", toggleTheme);
  const help = byId<HTMLDialogElement>("help-panel");
  byId("help").addEventListener("click", () => help.showModal());
  const exSel = byId<HTMLSelectElement>("examples");
  exSel.addEventListener("change", () => {
    const ex = examples().find((x) => x.id === exSel.value);
    if (ex) {
      load(normalizeDoc(ex.doc));
      history.replaceState(null, "", "/");
    }
    exSel.value = "";
  });

  document.addEventListener("keydown", (e) => {
    const inField = (e.target as HTMLElement).closest("input, textarea, select");
    const mod = (e.ctrlKey || e.metaKey) && e.shiftKey;
    if (mod && e.key.toLowerCase() === "f") (e.preventDefault(), format());
    else if (mod && e.key.toLowerCase() === "s") (e.preventDefault(), share());
    else if (mod && e.key.toLowerCase() === "l") (e.preventDefault(), link());
    else if (mod && e.key.toLowerCase() === "d") (e.preventDefault(), toggleTheme());
    else if (mod && e.key === "Enter") (e.preventDefault(), byId("add-request").click());
    else if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      const rs = rows();
      const i = selected ? rs.indexOf(selected) : -1;
      const next = rs[Math.max(0, Math.min(rs.length - 1, i + (e.key === "ArrowUp" ? -1 : 1)))];
      if (next) (e.preventDefault(), selectRow(next), clientField(next).focus());
    } else if (e.key === "?" && !inField) (e.preventDefault(), help.showModal());
  });

  selected = rows().find((r) => r.getAttribute("aria-selected") === "true") ?? rows()[0] ?? null;
  if (selected) selectRow(selected);

  verdicts.ready.catch((e: Error) => {
    document.body.dataset.state = "error";
    byId("why-verdict").textContent = `The WebAssembly module did not load: ${e.message}`;
  });

  // Only a tcpwrap link's fragment is read; others (#allow, the skip
  // link's) are the page's own anchors.
  const raw = rawDocument();
  if (location.hash.startsWith("#v1.")) {
    // The baseline is the page's document until the link's replaces it
    // (load).
    setBaseline(currentTables());
    decodeFragment(location.hash)
      .then(load)
      .catch((e: Error) => {
        shareBar.hidden = false;
        shareStatus.textContent = `This link could not be opened: ${e.message}`;
        changed();
      });
  } else {
    if (raw) keepRaw(raw);
    setBaseline(currentTables());
    changed();
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((e) => console.warn("tcpwrap: no offline mode:", e));
  }
}

start();
