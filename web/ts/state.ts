// The playground's document: what the panes hold, what a share stores
// and what a #fragment link carries. Its JSON is the server's share
// document (web.Document), for both.

import type { Request } from "../../wasm/js/tcpwrap";

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
      if (q.ctl && typeof q.ctl === "object") {
        const c = q.ctl as Record<string, unknown>;
        requests.push({ ctl: { daemon: s(c.daemon), name: s(c.name), addr: s(c.addr), user: s(c.user) } });
        continue;
      }
      const req: Request = { daemon: s(q.daemon), client: s(q.client) };
      if (s(q.server)) req.server = s(q.server);
      if (s(q.user)) req.user = s(q.user);
      if (typeof q.clientPort === "number") req.clientPort = q.clientPort;
      if (typeof q.serverPort === "number") req.serverPort = q.serverPort;
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
 * parseRequestLines reads requests one a line, in one of three forms:
 *
 *   - tcpdmatch's operands: DAEMON[@SERVER] [USER@]CLIENT (an optional
 *     leading "tcpdmatch" and its -d / -i FILE options are skipped);
 *   - a hosts_ctl request: hosts_ctl DAEMON NAME ADDR [USER], "" being
 *     an empty string (the operands of tcpwrap match --ctl);
 *   - a syslog line of a refused or allowed connection, as tcpd, sshd or
 *     Dante write it: "... sshd[812]: refused connect from NAME (ADDR)",
 *     "... in.telnetd[9]: connect from user@NAME[ADDR]".
 *
 * Blank lines and lines starting with # are skipped; every other line
 * that is neither form is an error naming its line.
 */
export function parseRequestLines(text: string): { requests: Request[]; errors: string[] } {
  const requests: Request[] = [];
  const errors: string[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const r = parseCtl(line) ?? parseLogLine(line) ?? parseOperands(line);
    if (r) requests.push(r);
    else errors.push(`line ${i + 1}: not "DAEMON[@SERVER] [USER@]CLIENT", "hosts_ctl DAEMON NAME ADDR [USER]" nor a "connect from" log line: ${line}`);
  });
  return { requests, errors };
}

/** The word that starts a hosts_ctl request's line. */
const ctlWord = "hosts_ctl";

function parseCtl(line: string): Request | null {
  const f = line.split(/\s+/).map((w) => (w === '""' ? "" : w));
  if (f[0] !== ctlWord || f.length < 4 || f.length > 5) return null;
  return { ctl: { daemon: f[1], name: f[2], addr: f[3], user: f[4] ?? "" } };
}

function parseOperands(line: string): Request | null {
  let f = line.split(/\s+/);
  if (f[0] === "tcpdmatch") {
    f = f.slice(1);
    while (f.length > 2 && f[0].startsWith("-")) f = f.slice(f[0] === "-i" ? 2 : 1);
  }
  if (f.length !== 2 || f[0] === "" || f[1] === "") return null;
  const [daemon, server] = cut(f[0], "@");
  const req: Request = { daemon, client: f[1] };
  if (server !== null) req.server = server;
  const at = f[1].indexOf("@");
  if (at > 0) {
    req.user = f[1].slice(0, at);
    req.client = f[1].slice(at + 1);
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
 * as "hosts_ctl DAEMON NAME ADDR [USER]" with "" for an empty string:
 * what parseRequestLines reads back.
 */
export function formatRequest(r: Request): string {
  const c = ctlOf(r);
  if (c) {
    const q = (x: string) => x || '""';
    return `${ctlWord} ${q(c.daemon)} ${q(c.name)} ${q(c.addr)}` + (c.user ? ` ${c.user}` : "");
  }
  let s = r.daemon ?? "";
  if (r.server) s += "@" + r.server;
  s += " ";
  if (r.user) s += r.user + "@";
  return s + (r.client ?? "");
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
