// The playground's document: what the panes hold, what a share stores
// and what a #fragment link carries. Its JSON is the server's share
// document (web.Document), for both.

import type { DiffExample, DiffOutcome, Expect, Request } from "../../wasm/js/tcpwrap";

/** ctlOf is r's hosts_ctl strings, all four, or null for a connection. */
export function ctlOf(r: Request): { daemon: string; name: string; addr: string; user: string } | null {
  if (!r.ctl) return null;
  const c = r.ctl;
  return { daemon: c.daemon ?? "", name: c.name ?? "", addr: c.addr ?? "", user: c.user ?? "" };
}

export type Profile = "debian" | "upstream" | "freebsd";

/** The DNS what-if (wire.DNS); a document without one is "as the table says". */
export interface DNS {
  mode: "missing" | "lying" | "consistent";
  name?: string;
}

export interface Doc {
  /** null: the file does not exist (different from an empty file). */
  allow: string | null;
  deny: string | null;
  hosts: string | null;
  netgroup: string | null;
  files: Record<string, string>;
  profile: Profile;
  requests: Request[];
  // Added after the first shares and links. Left out (undefined, so
  // JSON.stringify drops them) when unset: a document without them is
  // the JSON it always was, and a share keeps its ID.
  /** The Why panel's DNS what-if; absent: as the table says. */
  dns?: DNS;
  /** The order of the pattern-files pane when it is not path order. */
  fileOrder?: string[];
}

const dnsModes = ["missing", "lying", "consistent"];

/** fileOrder is the order doc's pattern files are listed in. */
export function fileOrder(doc: Doc): string[] {
  return doc.fileOrder ?? Object.keys(doc.files).sort();
}

/**
 * orderField is what a document keeps of order, the order of files'
 * paths: nothing when it is path order (or not an order of exactly
 * those paths).
 */
export function orderField(files: Record<string, string>, order: unknown): string[] | undefined {
  if (!Array.isArray(order) || !order.every((p) => typeof p === "string")) return undefined;
  const paths = Object.keys(files);
  if (order.length !== paths.length || new Set(order).size !== order.length || !order.every((p) => Object.hasOwn(files, p))) return undefined;
  const sorted = [...order].sort();
  return order.every((p, i) => p === sorted[i]) ? undefined : (order as string[]);
}

export function emptyDoc(): Doc {
  return { allow: "", deny: "", hosts: "", netgroup: null, files: {}, profile: "debian", requests: [] };
}

/** normalizeDoc accepts any JSON object and returns a well-formed Doc. */
export function normalizeDoc(v: unknown): Doc {
  const o = (v && typeof v === "object" ? v : {}) as Record<string, unknown>;
  const text = (x: unknown): string | null => (typeof x === "string" ? x : null);
  const files: Record<string, string> = {};
  if (o.files && typeof o.files === "object") {
    for (const [k, val] of Object.entries(o.files as Record<string, unknown>)) {
      if (typeof val === "string") files[k] = val;
    }
  }
  const profile = o.profile === "upstream" || o.profile === "freebsd" ? o.profile : "debian";
  const requests: Request[] = [];
  if (Array.isArray(o.requests)) {
    for (const r of o.requests) {
      if (!r || typeof r !== "object") continue;
      const q = r as Record<string, unknown>;
      const s = (x: unknown) => (typeof x === "string" ? x : "");
      // A hosts_ctl request: its four strings, and nothing else (a share
      // stores its connection fields empty).
      const expect = expectOf(q.expect);
      if (q.ctl && typeof q.ctl === "object") {
        const c = q.ctl as Record<string, unknown>;
        const req: Request = { ctl: { daemon: s(c.daemon), name: s(c.name), addr: s(c.addr), user: s(c.user) } };
        if (expect) req.expect = expect;
        requests.push(req);
        continue;
      }
      const req: Request = { daemon: s(q.daemon), client: s(q.client) };
      if (s(q.server)) req.server = s(q.server);
      if (s(q.user)) req.user = s(q.user);
      if (typeof q.clientPort === "number") req.clientPort = q.clientPort;
      if (typeof q.serverPort === "number") req.serverPort = q.serverPort;
      if (expect) req.expect = expect;
      requests.push(req);
    }
  }
  const doc: Doc = {
    allow: text(o.allow),
    deny: text(o.deny),
    hosts: text(o.hosts),
    netgroup: text(o.netgroup),
    files,
    profile,
    requests,
  };
  const dns = o.dns && typeof o.dns === "object" ? (o.dns as Record<string, unknown>) : null;
  if (dns && typeof dns.mode === "string" && dnsModes.includes(dns.mode)) {
    doc.dns = { mode: dns.mode as DNS["mode"] };
    if (typeof dns.name === "string" && dns.name !== "") doc.dns.name = dns.name;
  }
  const order = orderField(files, o.fileOrder);
  if (order) doc.fileOrder = order;
  return doc;
}

/**
 * expectOf is the expectation a document's request keeps of v: one whose
 * access is a verdict, its rule when that is a non-empty string (a rule
 * of another form is kept: the request's result then says what is wrong
 * with it); null for anything else.
 */
function expectOf(v: unknown): Expect | null {
  if (!v || typeof v !== "object") return null;
  const e = v as Record<string, unknown>;
  if (!isVerdict(e.access)) return null;
  const out: Expect = { access: e.access };
  if (typeof e.rule === "string" && e.rule !== "") out.rule = e.rule;
  return out;
}

/** The verdicts an expectation may name (wire.IsVerdict). */
export const verdicts = ["granted", "denied", "delegated"] as const;

export function isVerdict(s: unknown): s is Expect["access"] {
  return typeof s === "string" && (verdicts as readonly string[]).includes(s);
}

/**
 * validRule reports whether s names a rule as an expectation's "by"
 * does (wire.ValidRule, tcpwrap test): hosts.allow:N or hosts.deny:N, N
 * from 1 to 999999999 without a leading zero, or none.
 */
export function validRule(s: string): boolean {
  return s === "none" || /^hosts\.(?:allow|deny):[1-9][0-9]{0,8}$/.test(s);
}

const ruleWant = "want hosts.allow:N, hosts.deny:N or none after by";

/**
 * parseExpect reads an expected verdict as the end of a tcpwrap test
 * line says it: "denied", or "denied by hosts.deny:1".
 * Blank text is no expectation (expect null); text that is not one gives
 * error, which says why.
 */
export function parseExpect(text: string): { expect: Expect | null; error?: string } {
  const f = text.trim().split(/\s+/).filter((w) => w !== "");
  if (f.length === 0) return { expect: null };
  if (!(f.length === 1 || (f.length === 3 && f[1] === "by"))) {
    return { expect: null, error: `"${text.trim()}": want VERDICT or VERDICT by RULE (granted, denied or delegated; hosts.allow:N, hosts.deny:N or none)` };
  }
  if (!isVerdict(f[0])) return { expect: null, error: `want granted, denied or delegated, got "${f[0]}"` };
  if (f.length === 3 && !validRule(f[2])) return { expect: null, error: `${ruleWant}, got "${f[2]}"` };
  const e: Expect = { access: f[0] };
  if (f.length === 3) e.rule = f[2];
  return { expect: e };
}

/** formatExpect writes e as parseExpect reads it: "denied", "denied by hosts.deny:1". */
export function formatExpect(e: Expect): string {
  return e.rule ? `${e.access} by ${e.rule}` : e.access;
}

/**
 * parseFiles reads the pattern-files pane: each file starts at a line
 * "-- /path --"; text before the first header is ignored (and reported).
 * order is the files' paths in the pane's order.
 */
export function parseFiles(text: string): { files: Record<string, string>; order: string[]; stray: number } {
  const files: Record<string, string> = {};
  const order: string[] = [];
  let cur: string | null = null;
  let stray = 0;
  for (const line of splitLines(text)) {
    const m = /^-- (\S+) --\r?\n?$/.exec(line);
    if (m) {
      cur = m[1];
      if (!Object.hasOwn(files, cur)) order.push(cur);
      files[cur] = "";
      continue;
    }
    if (cur === null) {
      if (line.trim() !== "") stray++;
      continue;
    }
    files[cur] += line;
  }
  return { files, order, stray };
}

/** formatFiles is the inverse of parseFiles: files in order (default: path order). */
export function formatFiles(files: Record<string, string>, order = Object.keys(files).sort()): string {
  let out = "";
  for (const p of order) {
    const c = files[p];
    out += `-- ${p} --\n` + c + (c !== "" && !c.endsWith("\n") ? "\n" : "");
  }
  return out;
}

/** splitLines splits after each newline, keeping it. */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const i = text.indexOf("\n", start);
    if (i < 0) {
      if (start < text.length) out.push(text.slice(start));
      return out;
    }
    out.push(text.slice(start, i + 1));
    start = i + 1;
  }
}

/**
 * parseTxtar reads an example in txtar form, as a <tcpwrap-example>
 * holds it: sections "-- hosts.allow --", "-- hosts.deny --",
 * "-- hosts --", "-- netgroup --", "-- /path --" and "-- requests --".
 * A file whose section is absent does not exist.
 */
export function parseTxtar(text: string, profile: Profile): { doc: Doc; errors: string[] } {
  const doc: Doc = { allow: null, deny: null, hosts: null, netgroup: null, files: {}, profile, requests: [] };
  const errors: string[] = [];
  let cur: string | null = null;
  const sections: Record<string, string> = {};
  for (const line of splitLines(text)) {
    const m = /^-- (.+?) --\r?\n?$/.exec(line);
    if (m) {
      cur = m[1];
      sections[cur] = "";
      continue;
    }
    if (cur !== null) sections[cur] += line;
  }
  for (const [name, body] of Object.entries(sections)) {
    switch (name) {
      case "hosts.allow":
        doc.allow = body;
        break;
      case "hosts.deny":
        doc.deny = body;
        break;
      case "hosts":
        doc.hosts = body;
        break;
      case "netgroup":
        doc.netgroup = body;
        break;
      case "requests":
        break;
      default:
        if (name.startsWith("/")) doc.files[name] = body;
        else errors.push(`unknown section "-- ${name} --"`);
    }
  }
  if (sections.requests !== undefined) {
    const { requests, errors: re } = parseRequestLines(sections.requests);
    doc.requests = requests;
    errors.push(...re);
  }
  return { doc, errors };
}

/**
 * parseRequestLines reads requests one a line, in one of these forms:
 *
 *   - tcpdmatch's operands: DAEMON[@SERVER] [USER@]CLIENT (an optional
 *     leading "tcpdmatch" and its -d / -i FILE options are skipped);
 *   - a hosts_ctl request: hosts_ctl DAEMON NAME ADDR [USER], "" being
 *     an empty string (the operands of tcpwrap match --ctl);
 *   - a syslog line of a refused or allowed connection, as tcpd, sshd or
 *     Dante write it: "... sshd[812]: refused connect from NAME (ADDR)",
 *     "... in.telnetd[9]: connect from user@NAME[ADDR]";
 *   - an expectation, a line of tcpwrap test: VERDICT, then one of the
 *     first two forms, then optionally "by RULE" ("denied sshd 10.0.0.9
 *     by hosts.deny:1", "granted hosts_ctl sendmail mail.example.com
 *     10.0.0.1"); its request carries the expectation.
 *
 * A line is an expectation when its first word is granted, denied or
 * delegated and it has more than two words (two words are a request to
 * a daemon of that name). Blank lines and lines starting with # are
 * skipped, and so is an expectation's tail from a word starting with #;
 * every other line that is none of these forms is an error naming its
 * line.
 */
export function parseRequestLines(text: string): { requests: Request[]; errors: string[] } {
  const requests: Request[] = [];
  const errors: string[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const ex = parseExpectLine(line);
    if (ex && "error" in ex) {
      errors.push(`line ${i + 1}: ${ex.error}: ${line}`);
      return;
    }
    const r = ex ? ex.request : (parseCtl(line.split(/\s+/)) ?? parseLogLine(line) ?? parseOperands(line));
    if (r) requests.push(r);
    else errors.push(`line ${i + 1}: not "DAEMON[@SERVER] [USER@]CLIENT", "hosts_ctl DAEMON NAME ADDR [USER]", "VERDICT REQUEST [by RULE]" nor a "connect from" log line: ${line}`);
  });
  return { requests, errors };
}

/**
 * parseExpectLine reads line as tcpwrap test reads an expectation line:
 * null when it is not one (see parseRequestLines), else its request with
 * the expectation, or an error saying what is wrong with it.
 */
function parseExpectLine(line: string): { request: Request } | { error: string } | null {
  const all = line.split(/\s+/);
  if (all.length <= 2 || !isVerdict(all[0])) return null;
  const access = all[0];
  let f = all.slice(1);
  const hash = f.findIndex((w) => w.startsWith("#"));
  if (hash >= 0) f = f.slice(0, hash);
  const expect: Expect = { access };
  const k = f.length - 2;
  if (k >= 0 && f[k] === "by") {
    if (!validRule(f[k + 1])) return { error: `${ruleWant}, got "${f[k + 1]}"` };
    expect.rule = f[k + 1];
    f = f.slice(0, k);
  }
  const p = cutPorts(f);
  if ("error" in p) return p;
  f = p.words;
  let request: Request | null;
  if (f.length === 0) return { error: `want a request after ${access}` };
  if (f[0] === ctlWord) {
    request = parseCtl(f);
    if (!request) return { error: `want hosts_ctl DAEMON NAME ADDR [USER], got ${f.length - 1} word${f.length === 2 ? "" : "s"} after hosts_ctl` };
    if (p.clientPort !== undefined || p.serverPort !== undefined) return { error: "a hosts_ctl request has no ports" };
  } else {
    if (f.length !== 2) return { error: `want DAEMON[@SERVER] [USER@]CLIENT after ${access}, got ${f.length} word${f.length === 1 ? "" : "s"}` };
    request = operands(f[0], f[1]);
    if (!request) return { error: `not DAEMON[@SERVER] [USER@]CLIENT after ${access}` };
    setPorts(request, p);
  }
  request.expect = expect;
  return { request };
}

/**
 * cutPorts takes a request's ports off the end of its words, as tcpwrap
 * test reads them: "--client-port N" and "--server-port N", each at most
 * once, N from 0 to 65535.
 */
function cutPorts(words: string[]): { words: string[]; clientPort?: number; serverPort?: number } | { error: string } {
  let f = words;
  const out: { clientPort?: number; serverPort?: number } = {};
  while (f.length >= 2 && (f[f.length - 2] === "--client-port" || f[f.length - 2] === "--server-port")) {
    const flag = f[f.length - 2];
    const num = f[f.length - 1];
    const key = flag === "--client-port" ? "clientPort" : "serverPort";
    if (out[key] !== undefined) return { error: `${flag} given twice` };
    if (!/^[0-9]+$/.test(num) || Number(num) > 65535) return { error: `want a port number (0 to 65535) after ${flag}, got "${num}"` };
    out[key] = Number(num);
    f = f.slice(0, -2);
  }
  return { words: f, ...out };
}

/** setPorts gives a connection request the ports cutPorts found (0: none). */
function setPorts(r: Request, p: { clientPort?: number; serverPort?: number }) {
  if (p.clientPort) r.clientPort = p.clientPort;
  if (p.serverPort) r.serverPort = p.serverPort;
}

/** The word that starts a hosts_ctl request's line. */
const ctlWord = "hosts_ctl";

/** parseCtl reads the words of a line "hosts_ctl DAEMON NAME ADDR [USER]". */
function parseCtl(words: string[]): Request | null {
  const f = words.map((w) => (w === '""' ? "" : w));
  if (f[0] !== ctlWord || f.length < 4 || f.length > 5) return null;
  return { ctl: { daemon: f[1], name: f[2], addr: f[3], user: f[4] ?? "" } };
}

function parseOperands(line: string): Request | null {
  let f = line.split(/\s+/);
  if (f[0] === "tcpdmatch") {
    f = f.slice(1);
    while (f.length > 2 && f[0].startsWith("-")) f = f.slice(f[0] === "-i" ? 2 : 1);
  }
  const p = cutPorts(f);
  if ("error" in p || p.words.length !== 2) return null;
  const r = operands(p.words[0], p.words[1]);
  if (r) setPorts(r, p);
  return r;
}

/** operands reads tcpdmatch's two operands, DAEMON[@SERVER] [USER@]CLIENT. */
function operands(daemonWord: string, clientWord: string): Request | null {
  if (daemonWord === "" || clientWord === "") return null;
  const [daemon, server] = cut(daemonWord, "@");
  const req: Request = { daemon, client: clientWord };
  if (server !== null) req.server = server;
  const at = clientWord.indexOf("@");
  if (at > 0) {
    req.user = clientWord.slice(0, at);
    req.client = clientWord.slice(at + 1);
  }
  if (req.client === "") return null;
  return req;
}

function cut(s: string, sep: string): [string, string | null] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, null] : [s.slice(0, i), s.slice(i + 1)];
}

// "sshd[812]: refused connect from x (1.2.3.4)", "in.telnetd[9]: connect
// from alice@x[1.2.3.4]", "sockd[3]: ... refused connect from ...".
const logRE = /(?:^|\s)([A-Za-z0-9_.\/-]+)(?:\[\d+\])?:\s.*?\b(?:refused connect|connect|connection refused) from\s+(\S+)(?:\s+\(([^)\s]+)\))?/;

function parseLogLine(line: string): Request | null {
  const m = logRE.exec(line);
  if (!m) return null;
  const daemon = m[1].slice(m[1].lastIndexOf("/") + 1);
  let who = m[2];
  let addr = m[3] ?? "";
  let user = "";
  const at = who.indexOf("@");
  if (at > 0) {
    user = who.slice(0, at);
    who = who.slice(at + 1);
  }
  const br = /^(.*)\[([^\]]+)\]$/.exec(who);
  if (br) {
    who = br[1];
    if (!addr) addr = br[2];
  }
  const req: Request = { daemon, client: addr || who };
  if (user && user !== "unknown") req.user = user;
  return req;
}

/**
 * formatRequest writes r as tcpdmatch operands, or a hosts_ctl request
 * as "hosts_ctl DAEMON NAME ADDR [USER]" with "" for an empty string;
 * a request with an expectation as a line of tcpwrap test, "VERDICT
 * REQUEST [by RULE]": what parseRequestLines reads back.
 */
export function formatRequest(r: Request): string {
  const e = r.expect;
  if (e && isVerdict(e.access)) return `${e.access} ${formatOperands(r)}` + (e.rule ? ` by ${e.rule}` : "");
  return formatOperands(r);
}

/**
 * testFile writes doc's requests as a file for tcpwrap test: a header
 * that says how to run it against the panes, then one line per request
 * with an expected verdict (its ports, if any, on the line); a request
 * without one becomes a comment.
 */
export function testFile(doc: Doc): string {
  // The playground answers every lookup from its hosts pane (an absent
  // one is empty), so the run needs --hosts whatever the pane holds.
  const flags = ["--hosts DIR/hosts", `--profile ${doc.profile}`];
  if (doc.netgroup !== null) flags.push("--netgroup DIR/netgroup");
  const saved = [doc.allow !== null && "DIR/hosts.allow", doc.deny !== null && "DIR/hosts.deny", "DIR/hosts", doc.netgroup !== null && "DIR/netgroup"].filter(
    (x): x is string => !!x,
  );
  const lines = [
    `# Expected verdicts from the tcpwrap playground (profile ${doc.profile}).`,
    `# Save the panes as ${saved.join(", ")}` + (Object.keys(doc.files).length ? ", and the pattern files at their paths," : "") + " then run:",
    `#   tcpwrap test -d DIR ${flags.join(" ")} THIS_FILE`,
  ];
  let none = 0;
  for (const r of doc.requests) {
    if (r.expect && isVerdict(r.expect.access)) lines.push(formatRequest(r));
    else {
      lines.push(`# no expected verdict: ${formatOperands(r)}`);
      none++;
    }
  }
  if (none) lines.push(`# ${none} request${none === 1 ? "" : "s"} without an expected verdict, left as comments.`);
  return lines.join("\n") + "\n";
}

/** formatOperands writes r's request without its expectation. */
export function formatOperands(r: Request): string {
  const c = ctlOf(r);
  if (c) {
    const q = (x: string) => x || '""';
    return `${ctlWord} ${q(c.daemon)} ${q(c.name)} ${q(c.addr)}` + (c.user ? ` ${c.user}` : "");
  }
  let s = r.daemon ?? "";
  if (r.server) s += "@" + r.server;
  s += " ";
  if (r.user) s += r.user + "@";
  s += r.client ?? "";
  if (r.clientPort) s += ` --client-port ${r.clientPort}`;
  if (r.serverPort) s += ` --server-port ${r.serverPort}`;
  return s;
}

// ---- Changes since the baseline ----------------------------------------

/** The texts of hosts.allow and hosts.deny (null: no such file): what the Changes panel compares. */
export interface Tables {
  allow: string | null;
  deny: string | null;
}

/** sameTables reports whether a and b hold the same texts (an absent file is not an empty one). */
export function sameTables(a: Tables, b: Tables): boolean {
  return a.allow === b.allow && a.deny === b.deny;
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

/**
 * changesStatus is the Changes panel's status line for a diff that found
 * verdicts changes of verdict and rules changes of the deciding rule only.
 */
export function changesStatus(verdicts: number, rules: number): string {
  const v = verdicts ? `${plural(verdicts, "change", "changes")} of verdict since the baseline` : "No change of verdict since the baseline";
  const r = rules ? `; ${plural(rules, "change", "changes")} of the deciding rule only` : "";
  return `${v}${r}.`;
}

/**
 * outcomeText says how one version decides, as tcpwrap diff does after
 * "was:" and "now:" (the rule's text apart): "granted by hosts.allow:1",
 * "granted: no rule matched", "denied by hosts.allow:2 (libwrap stops:
 * …)".
 */
export function outcomeText(o: DiffOutcome): string {
  const s = o.rule
    ? `${o.access} by ${o.rule}`
    : !o.error && o.reason
      ? `${o.access} (${o.reason})`
      : !o.error && o.access === "granted"
        ? "granted: no rule matched"
        : o.access;
  return o.error ? `${s} (libwrap stops: ${o.error})` : s;
}

/**
 * exampleRequest is the request row that reproduces a diff example, its
 * expectation the verdict and rule now: null when a row cannot say it —
 * a client with no address, or with a host name of its own (a row's
 * address gets the hosts table's name; an example whose name is absent
 * is meant with that name, "unknown" is an address the table may not
 * name: the page checks that the row is decided as now before offering
 * it).
 */
export function exampleRequest(ex: DiffExample, now: DiffOutcome): Request | null {
  if (!ex.client || (ex.name !== undefined && ex.name !== "" && ex.name !== "unknown")) return null;
  const r: Request = { daemon: ex.daemon, client: ex.client };
  if (ex.server) r.server = ex.server;
  if (ex.server && ex.serverPort) r.serverPort = ex.serverPort;
  if (ex.user) r.user = ex.user;
  r.expect = { access: now.access, rule: now.rule ?? "none" };
  return r;
}

// A #fragment link: "#v1." then the document's JSON, deflated
// (CompressionStream "deflate-raw") and base64url-encoded. Fragments
// never reach a server.
const fragPrefix = "v1.";

/** The most a fragment may decode to: the server's share limit. */
export const maxFragmentDoc = 64 << 10;

export async function encodeFragment(doc: Doc): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(doc));
  const deflated = await pipe(json, new CompressionStream("deflate-raw"));
  return fragPrefix + base64url(deflated);
}

export async function decodeFragment(hash: string): Promise<Doc> {
  const s = hash.replace(/^#/, "");
  if (!s.startsWith(fragPrefix)) throw new Error("not a tcpwrap link (the fragment does not start with v1.)");
  const bytes = unbase64url(s.slice(fragPrefix.length));
  const json = await pipe(bytes, new DecompressionStream("deflate-raw"), maxFragmentDoc);
  return normalizeDoc(JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(json)));
}

async function pipe(data: Uint8Array<ArrayBuffer>, t: { writable: WritableStream<BufferSource>; readable: ReadableStream<Uint8Array> }, limit = Infinity): Promise<Uint8Array> {
  const w = t.writable.getWriter();
  w.write(data).catch(() => {});
  w.close().catch(() => {});
  const chunks: Uint8Array[] = [];
  let n = 0;
  const r = t.readable.getReader();
  for (;;) {
    const { done, value } = await r.read();
    if (done) break;
    n += value.length;
    if (n > limit) {
      r.cancel().catch(() => {});
      throw new Error(`the link holds more than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

function base64url(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unbase64url(s: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error("the link is damaged (not base64url)");
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
