// TypeScript declarations for tcpwrap's GOOS=js module (wasm/js), which
// registers globalThis.tcpwrap when run. The shapes are package wire's
// (wasm/wire): Input, Output and Result there are the reference.

/** What `tcpwrap.evaluate` takes. */
export interface Input {
  /** Contract version; omitted or 1. Any other value is an error. */
  version?: number;
  /** hosts.allow text; absent or null = no such file, "" = an empty file. */
  allow?: string | null;
  /** hosts.deny text, the same way. */
  deny?: string | null;
  /** /etc/hosts text answering every host name and address lookup. */
  hosts?: string;
  /** /etc/netgroup text; absent = no netgroups. */
  netgroup?: string | null;
  /** /path pattern files and banner directories: absolute path → contents. */
  files?: Record<string, string>;
  /** "debian" (default), "upstream" or "freebsd". */
  profile?: "debian" | "upstream" | "freebsd" | "";
  /** The tables' names as libwrap prints them; default "/etc/hosts.allow", "/etc/hosts.deny". */
  allowName?: string;
  denyName?: string;
  /** At most 10,000. */
  requests: Request[];
  /** Leave every trace null and decide through the tables' indexes: same answers, faster. */
  noTrace?: boolean;
  /**
   * A what-if for the clients' reverse lookups: "missing" (no name),
   * "lying" (a name whose forward lookup gives other addresses) or
   * "consistent" (a name that resolves back). `name` defaults to the hosts
   * table's name for the address, else client.example.com.
   */
  dns?: { mode: "missing" | "lying" | "consistent"; name?: string } | null;
  /**
   * When positive, every run of at least this many consecutive steps of
   * one file that matched nothing and carry no note becomes one step of
   * kind "fold" (line, endLine, count, daemonLines; no text, no tokens).
   */
  traceFold?: number;
  /** Keep only the trace steps of these lines of one table (base name), nothing folded. */
  traceLines?: { file: string; first: number; last: number } | null;
  /**
   * For diff only: the other version of the tables, compared with allow
   * and deny under the same hosts, netgroup, files, profile and names.
   */
  old?: { allow: string | null; deny: string | null } | null;
}

/** A connection (hosts_access) or a hosts_ctl request. */
export type Request = ConnectionRequest | CtlRequest;

/** The operands of `tcpwrap match DAEMON[@SERVER] [USER@]CLIENT`. */
export interface ConnectionRequest {
  daemon: string;
  /** An address or a host name with one address; "" or absent for none. */
  server?: string;
  /** An address, a host name (one prediction per address), "unknown" or "paranoid". */
  client: string;
  /** The client's user name; absent = unknown. */
  user?: string;
  clientPort?: number;
  serverPort?: number;
  /** Absent or null: this is a connection. */
  ctl?: null;
  /** The verdict this request must get; its result then says whether it did. */
  expect?: Expect | null;
}

/**
 * A hosts_ctl(daemon, name, addr, user) request (`tcpwrap match --ctl`):
 * four strings taken as given, no lookups (exactly one prediction), no
 * server, no ports, no descriptor. The connection's fields must be absent
 * or empty (else the request's result is an error); a `dns` what-if does
 * not apply to it.
 */
export interface CtlRequest {
  ctl: Ctl;
  daemon?: "";
  server?: "";
  client?: "";
  user?: "";
  clientPort?: 0;
  serverPort?: 0;
  expect?: Expect | null;
}

/**
 * An expected verdict (a line of `tcpwrap test`): access, and the rule
 * that must decide ("hosts.allow:N", "hosts.deny:N" by table, or "none"
 * for no rule); absent rule: any. An access that is not a verdict, or a
 * rule of another form, makes the request's result an error.
 */
export interface Expect {
  access: "granted" | "denied" | "delegated";
  rule?: string;
}

/** hosts_ctl's four strings; an absent one is "" (for NAME, ADDR and USER: unknown). */
export interface Ctl {
  daemon?: string;
  name?: string;
  addr?: string;
  user?: string;
}

/** What `tcpwrap.evaluate` returns: `error` when the call failed as a whole. */
export interface Output {
  error?: string;
  /** One entry per request, in order. */
  results?: RequestResult[];
}

export interface RequestResult {
  /** One per client address. */
  predictions?: Result[];
  /** Why this request gave no prediction. */
  error?: string;
  /**
   * For a request with an expectation: met when every prediction got it
   * (a request with no prediction meets nothing); got is what each
   * prediction got, in order, its rule always set ("none" for no rule).
   */
  expect?: { met: boolean; got: Expect[] };
}

/** One prediction: the object `tcpwrap match --json` prints. */
export interface Result {
  access: "granted" | "denied" | "delegated";
  reason: string;
  matched: Rule | null;
  options: { name: string; value: string | null }[];
  commands: { kind: "spawn" | "twist" | "aclexec" | "shell"; command: string }[];
  warnings: string[];
  error?: string;
  daemon: string;
  user: string | null;
  client: Host;
  server: Host;
  banner?: string;
  env?: { name: string; value: string }[];
  /** What the options would change in the daemon's process or connection, in order; text is the call libwrap makes ("umask(022)"). Never made. Debian's user and group make none (they switch no ids). */
  effects?: { kind: "nice" | "umask" | "keepalive" | "linger" | "group" | "user"; value: string; text: string }[];
  severity?: string;
  log: string[];
  trace: Step[] | null;
  request: {
    daemon: string;
    client: string;
    clientPort: number;
    serverPort: number;
    address: string;
    line?: number;
    /** A hosts_ctl request's four strings (a CtlRequest, tcpwrap match --ctl); then client is "", the ports 0 and address the ADDR. */
    ctl?: { daemon: string; name: string; addr: string; user: string };
  };
}

export interface Rule {
  /** "hosts.allow" or "hosts.deny". */
  file: string;
  line: number;
  /** "/etc/hosts.allow" or "/etc/hosts.deny". */
  path: string;
  text: string;
}

export interface Host {
  addr: string | null;
  name: string | null;
  port: number;
}

export interface Pos {
  line: number;
  /** 1-based byte column. */
  col: number;
  /** 0-based byte offset. */
  offset: number;
}

export interface Span {
  start: Pos;
  end: Pos;
}

export interface Step {
  file: string;
  line: number;
  span: Span;
  kind: "rule" | "comment" | "blank" | "no-separator" | "unterminated" | "fold";
  text: string;
  daemons: Token[] | null;
  clients: Token[] | null;
  daemonMatch: boolean;
  clientMatch: boolean;
  match: boolean;
  note?: string;
  /** A fold's last line, how many steps it stands for, and how many of them named the daemon. */
  endLine?: number;
  count?: number;
  daemonLines?: number;
}

export interface Token {
  text: string;
  span: Span;
  state: "match" | "no-match" | "except" | "skipped" | "error";
  depth: number;
  why?: string;
  lookups?: string[];
}

/** globalThis.tcpwrap. */
export interface Tcpwrap {
  /** The contract version (wire.Version). */
  version: number;
  /** The Go version the module was built with. */
  goVersion: string;
  /** Decides the requests; never throws: problems come back as `error`. */
  evaluate(input: Input | string): Output;
  /** The same on JSON text: an Input in, an Output out. */
  evaluateJSON(input: string): string;
  /** The tables' diagnostics (tcpwrap check); requests are ignored. */
  check(input: Input | string): CheckOutput;
  /** The tables in the canonical layout (tcpwrap fmt); requests are ignored. */
  format(input: Input | string): FormatOutput;
  /**
   * The requests input.old's tables decide otherwise than input's own
   * (tcpwrap diff), changes of verdict first; requests are ignored.
   */
  diff(input: Input | string): DiffOutput;
}

export interface DiffOutput {
  /** Set when nothing was compared: bad input, or tables too large to compare. */
  error?: string;
  changes: DiffChange[] | null;
}

/** Requests that the old tables decide as `old` and the new ones as `new`. */
export interface DiffChange {
  /** The verdict changes (or an error replaces one); false: only the deciding rule does. */
  verdict: boolean;
  old: DiffOutcome;
  new: DiffOutcome;
  /** Up to three of the requests. */
  examples: DiffExample[] | null;
  /** Representative requests (classes of equivalent ones) that change so. */
  cases: number;
}

export interface DiffOutcome {
  access: "granted" | "denied" | "delegated";
  /** "hosts.allow:N" or "hosts.deny:N"; absent when no rule decided. */
  rule?: string;
  /** The rule's text in tcpwrap fmt's layout. */
  text?: string;
  /** What stopped libwrap before a verdict. */
  error?: string;
  /** When no rule decided: libwrap's reason (the default, PARANOID mode, an unreadable table). */
  reason?: string;
}

export interface DiffExample {
  daemon: string;
  /** The server's address, or its name when it has none; serverPort where it has one. */
  server?: string;
  serverPort?: number;
  /** The client's address; absent for none. */
  client?: string;
  /** Absent: the hosts table's name for the address; "unknown", "paranoid", or a name. */
  name?: string;
  user?: string;
  /** The request in words: "sshd from 10.1.0.0 (no host name)". */
  text: string;
}

/** One finding of check: 1-based line and column (bytes), byte offsets. */
export interface Diagnostic {
  file: string;
  line?: number;
  col?: number;
  endLine?: number;
  endCol?: number;
  offset: number;
  endOffset: number;
  severity: "error" | "warning" | "info";
  code: string;
  message: string;
  doc: string;
}

export interface CheckOutput {
  error?: string;
  diagnostics: Diagnostic[] | null;
}

export interface FormatOutput {
  error?: string;
  /** null where the input had no table. */
  allow: string | null;
  deny: string | null;
}

declare global {
  // eslint-disable-next-line no-var
  var tcpwrap: Tcpwrap | undefined;
}

/** load.mjs: loads tcpwrap.wasm in Node and returns globalThis.tcpwrap. */
export declare function load(opts?: { wasm?: string | URL; wasmExec?: string | URL }): Promise<Tcpwrap>;
