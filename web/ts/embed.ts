// The documentation widget: one script, embed.js, defines the custom
// element <tcpwrap-example>. Its content is an example in txtar form:
//
//	<tcpwrap-example editable profile="debian">
//	-- hosts.allow --
//	sshd: 10.0.0.0/24
//	-- hosts.deny --
//	ALL: ALL
//	-- hosts --
//	10.0.0.1 a.example.com
//	-- requests --
//	sshd 10.0.0.1
//	sshd 192.0.2.1
//	</tcpwrap-example>
//
// Each request shows its verdict and deciding line. A request written as
// a line of tcpwrap test ("denied sshd 10.0.0.9 by hosts.deny:1") also
// shows whether it got that verdict: a mark (✓ or ✗, with the words to
// say it) and, under the list, how many of the example's expectations
// were met, so that an example in the docs checks itself. With
// "editable" the
// texts are textareas and every edit re-evaluates. The module
// (tcpwrap.wasm, fetched from next to this script, so the widget works
// from any site) runs on the page's main thread: examples are small. A
// paste or a drop that would take the texts past what the module decides
// (1 MiB of JSON) is refused before the browser inserts it, with a
// message in the text's own status line (role=status).
// Nothing is sent anywhere; commands in rules are never run.

import "./gen/wasm_exec.js";
import { startModule } from "./module";
import { guardInsertions, refusal, showRefusal } from "./limit";
import type { Output, RequestResult, Tcpwrap } from "../../wasm/js/tcpwrap";
import { type Doc, type Profile, encodeFragment, formatExpect, formatOperands, parseRequestLines, parseTxtar, formatRequest } from "./state";

const scriptURL = (document.currentScript as HTMLScriptElement | null)?.src ?? location.href;
let module: Promise<Tcpwrap> | null = null;

function loadModule(): Promise<Tcpwrap> {
  const running = (globalThis as { tcpwrap?: Tcpwrap }).tcpwrap;
  module ??= running ? Promise.resolve(running) : startModule(new URL("tcpwrap.wasm", scriptURL));
  return module;
}

const css = `
:host { display: block; border: 1px solid #8886; border-radius: 6px; padding: .75rem; margin: 1rem 0;
  font: 14px/1.45 system-ui, sans-serif; }
.file { margin: 0 0 .5rem; }
.name { font: 600 12px ui-monospace, monospace; opacity: .75; }
pre, textarea { font: 13px/1.4 ui-monospace, monospace; margin: .15rem 0 0; padding: .35rem .5rem;
  border: 1px solid #8884; border-radius: 4px; white-space: pre; overflow-x: auto; tab-size: 8; }
textarea { width: 100%; box-sizing: border-box; resize: vertical; background: Canvas; color: CanvasText; }
ul { list-style: none; padding: 0; margin: .5rem 0 0; }
li { margin: .15rem 0; }
.verdict { font-weight: 700; }
.verdict[data-access="granted"] { color: #1a7f37; }
.verdict[data-access="denied"], .verdict[data-access="error"] { color: #cf222e; }
.rule { opacity: .8; }
.foot { margin-top: .5rem; font-size: 12px; }
.err { color: #cf222e; }
.expect { margin-left: .4rem; font-weight: 600; }
.expect[data-expect="met"] { color: #1a7f37; }
.expect[data-expect="unmet"] { color: #cf222e; text-decoration: underline; }
.summary { margin: .35rem 0 0; font-size: 12px; }
.summary:empty { display: none; }
.summary[data-state="unmet"] { color: #cf222e; font-weight: 600; }
.refusal { font-size: 12px; margin: 0; }
.refusal:not(:empty) { margin: .25rem 0; padding: .25rem .5rem; border-left: 3px solid #cf222e; }
@media (prefers-color-scheme: dark) {
  .verdict[data-access="granted"] { color: #3fb950; }
  .verdict[data-access="denied"], .verdict[data-access="error"] { color: #ff7b72; }
  .expect[data-expect="met"] { color: #3fb950; }
  .expect[data-expect="unmet"], .summary[data-state="unmet"] { color: #ff7b72; }
}
`;

let sheet: CSSStyleSheet | null = null;

class TcpwrapExample extends HTMLElement {
  private doc!: Doc;
  private results!: HTMLUListElement;
  private summary!: HTMLParagraphElement;
  private link!: HTMLAnchorElement;
  private frame = 0;
  private files = 0;

  connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: "open" });
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
    }
    root.adoptedStyleSheets = [sheet];
    const prof = this.getAttribute("profile");
    const profile: Profile = prof === "upstream" || prof === "freebsd" ? prof : "debian";
    const { doc, errors } = parseTxtar(this.textContent ?? "", profile);
    this.doc = doc;
    const editable = this.hasAttribute("editable");
    const files: [string, keyof Doc][] = [
      ["hosts.allow", "allow"],
      ["hosts.deny", "deny"],
      ["hosts", "hosts"],
      ["netgroup", "netgroup"],
    ];
    for (const [name, key] of files) {
      const text = doc[key] as string | null;
      if (text === null) continue;
      root.append(this.file(name, text, editable, (d, v) => ((d[key] as string | null) = v)));
    }
    for (const [path, text] of Object.entries(doc.files)) {
      root.append(this.file(path, text, editable, (d, v) => (d.files[path] = v)));
    }
    if (editable) {
      root.append(
        this.file("requests", doc.requests.map(formatRequest).join("\n") + "\n", true, (d, v) => {
          d.requests = parseRequestLines(v).requests;
        }),
      );
    }
    this.results = document.createElement("ul");
    this.results.setAttribute("aria-live", "polite");
    this.results.setAttribute("aria-label", "verdicts");
    this.summary = document.createElement("p");
    this.summary.className = "summary";
    this.summary.setAttribute("role", "status");
    const foot = document.createElement("div");
    foot.className = "foot";
    this.link = document.createElement("a");
    this.link.textContent = "Open in the tcpwrap playground";
    this.link.target = "_blank";
    this.link.rel = "noopener";
    foot.append(this.link);
    for (const e of errors) {
      const p = document.createElement("p");
      p.className = "err";
      p.textContent = e;
      root.append(p);
    }
    root.append(this.results, this.summary, foot);
    this.evaluate();
  }

  /**
   * file is one text: a textarea when editable (set(d, v) puts its text
   * v into doc d) with its status line, p.refusal, empty until a paste or
   * a drop is refused; else a pre.
   */
  private file(name: string, text: string, editable: boolean, set: (d: Doc, v: string) => void): HTMLElement {
    const box = document.createElement("div");
    box.className = "file";
    const label = document.createElement("label");
    label.className = "name";
    label.textContent = name;
    box.append(label);
    if (editable) {
      const ta = document.createElement("textarea");
      ta.value = text;
      ta.spellcheck = false;
      ta.rows = Math.min(12, Math.max(2, text.split("\n").length));
      ta.setAttribute("aria-label", name);
      const note = document.createElement("p");
      note.className = "refusal";
      note.id = `refusal-${this.files++}`;
      note.setAttribute("role", "status");
      guardInsertions(
        ta,
        (t, how) =>
          refusal(ta, t, how, "this example", (v) => {
            if (v === null) return this.input(this.doc);
            const d = { ...this.doc, files: { ...this.doc.files } };
            set(d, v);
            return this.input(d);
          }),
        (why) => showRefusal(ta, note, why),
      );
      ta.addEventListener("input", () => {
        set(this.doc, ta.value);
        this.schedule();
      });
      label.append(ta);
      box.append(note);
    } else {
      const pre = document.createElement("pre");
      pre.textContent = text;
      box.append(pre);
    }
    return box;
  }

  private schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.evaluate();
    });
  }

  /** input is what the widget sends the module for d. */
  private input(d: Doc) {
    return {
      allow: d.allow,
      deny: d.deny,
      hosts: d.hosts ?? "",
      netgroup: d.netgroup,
      files: d.files,
      profile: d.profile,
      requests: d.requests,
      noTrace: true,
    };
  }

  private async evaluate() {
    const d = this.doc;
    let out: Output;
    try {
      const tw = await loadModule();
      out = tw.evaluate(this.input(d));
    } catch (e) {
      out = { error: `the module did not load: ${e instanceof Error ? e.message : String(e)}` };
    }
    let met = 0;
    let total = 0;
    const items = d.requests.map((r, i) => {
      const li = document.createElement("li");
      const code = document.createElement("code");
      code.textContent = formatOperands(r);
      const v = document.createElement("span");
      v.className = "verdict";
      const rr = out.results?.[i];
      const p = rr?.predictions?.[0];
      const access = p?.access ?? "error";
      v.dataset.access = access;
      v.textContent = access;
      const why = document.createElement("span");
      why.className = "rule";
      why.textContent = p ? ` — ${p.matched ? `${p.matched.file}:${p.matched.line}` : p.reason}` : ` — ${out.error ?? rr?.error ?? ""}`;
      li.append(code, " → ", v, why);
      if (r.expect && !out.error) {
        total++;
        if (rr?.expect?.met) met++;
        li.append(expectMark(formatExpect(r.expect), rr));
      }
      return li;
    });
    this.summary.textContent = !total
      ? ""
      : met === total
        ? total === 1
          ? "The expectation is met."
          : `All ${total} expectations met.`
        : `${met} of ${total} expectation${total === 1 ? "" : "s"} met.`;
    if (total) this.summary.dataset.state = met === total ? "met" : "unmet";
    else delete this.summary.dataset.state;
    if (out.error && !items.length) {
      const li = document.createElement("li");
      li.className = "err";
      li.textContent = out.error;
      items.push(li);
    }
    this.results.replaceChildren(...items);
    const frag = await encodeFragment(d).catch(() => "");
    this.link.href = new URL("/", scriptURL).href + (frag ? `#${frag}` : "");
  }
}

/**
 * expectMark says whether rr met the expected verdict want ("denied by
 * hosts.deny:1"): "✓ as expected", or "✗ expected …" with what was got
 * in its title.
 */
function expectMark(want: string, rr: RequestResult | undefined): HTMLElement {
  const met = !!rr?.expect?.met;
  const got = rr?.expect?.got?.length ? rr.expect.got.map((g) => formatExpect({ access: g.access, rule: g.rule ?? "none" })).join("; ") : `error (${rr?.error ?? "no prediction"})`;
  const span = document.createElement("span");
  span.className = "expect";
  span.dataset.expect = met ? "met" : "unmet";
  span.textContent = met ? `✓ as expected (${want})` : `✗ expected ${want}, got ${got}`;
  span.title = `want ${want}, got ${got}`;
  return span;
}

if (!customElements.get("tcpwrap-example")) customElements.define("tcpwrap-example", TcpwrapExample);
