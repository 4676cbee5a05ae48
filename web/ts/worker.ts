// The playground's Web Worker: it runs the wasm/js module (tcpwrap.wasm,
// next to this script) and answers {id, op, input} messages, op being
// evaluate, check, format or diff and input the JSON text of a
// wire.Input, with {id, result, ms}. The module never throws; a failure to load it
// is posted once as {fatal}.

import "./gen/wasm_exec.js";
import { startModule } from "./module";
import type { DiffChange, Output, Step, Tcpwrap } from "../../wasm/js/tcpwrap";

/**
 * trimTrace empties the token lists of steps no daemon matched, except
 * where a daemon@host pattern failed: its host part is the reason.
 */
function trimTrace(steps: Step[] | null) {
  for (const st of steps ?? []) {
    if (st.kind !== "rule" || (!st.daemonMatch && !(st.daemons ?? []).some((t) => t.text.includes("@")))) {
      st.daemons = null;
      st.clients = null;
    }
  }
}

/**
 * What the diff op answers: the module's DiffOutput cut to the first
 * limit changes of each kind. An edit to a blocklist can change tens of
 * thousands of verdicts (60,000 changes, megabytes of JSON, for a
 * 20,000-line hosts.deny), which the page would only count: they are
 * counted here and never cross to it.
 */
export interface DiffSummary {
  error?: string;
  /** How many changes of verdict, and of the deciding rule only. */
  verdicts: number;
  rules: number;
  /** The first limit changes of verdict, then the first limit of the rule only. */
  changes: DiffChange[];
}

function summarizeDiff(out: { error?: string; changes: DiffChange[] | null }, limit: number): DiffSummary {
  const all = out.changes ?? [];
  const verdicts = all.filter((c) => c.verdict);
  const rules = all.filter((c) => !c.verdict);
  const s: DiffSummary = { verdicts: verdicts.length, rules: rules.length, changes: [...verdicts.slice(0, limit), ...rules.slice(0, limit)] };
  if (out.error) s.error = out.error;
  return s;
}

export interface WorkerRequest {
  id: number;
  op: "evaluate" | "check" | "format" | "diff";
  input: string;
  /** Evaluate only: trim the traces (see trimTrace). */
  trim?: boolean;
  /** Diff only: how many changes of each kind to answer (see DiffSummary); default all. */
  limit?: number;
}

export interface WorkerReply {
  id: number;
  result: unknown;
  /** Time spent in the module, in ms. */
  ms: number;
}

const scope = self as unknown as {
  location: Location;
  postMessage(m: unknown): void;
  onmessage: ((e: MessageEvent) => void) | null;
};

// The page compiles the module once and sends it as the first message
// ({module}); two workers then share one compilation. Without it the
// worker fetches and compiles tcpwrap.wasm itself.
function load(module: WebAssembly.Module | null): Promise<Tcpwrap> {
  return startModule(module ?? new URL("tcpwrap.wasm", scope.location.href));
}

let ready: Promise<Tcpwrap> | null = null;

function start(module: WebAssembly.Module | null) {
  ready = load(module);
  ready.then(
    () => scope.postMessage({ ready: true }),
    (e: unknown) => scope.postMessage({ fatal: String(e instanceof Error ? e.message : e) }),
  );
}

scope.onmessage = async (e: MessageEvent) => {
  if (!ready) {
    const m = e.data as { module?: WebAssembly.Module };
    start(m && m.module instanceof WebAssembly.Module ? m.module : null);
    if (m && "module" in m) return;
  }
  const req = e.data as WorkerRequest;
  let tw: Tcpwrap;
  try {
    tw = await ready!;
  } catch {
    return; // already reported as fatal
  }
  const t0 = performance.now();
  let result: unknown;
  switch (req.op) {
    case "evaluate": {
      // trim drops the tokens of the lines the trace shows folded, so
      // that a 1,000-line table's trace crosses to the page cheaply
      // (longer runs the module folds itself: Input.traceFold).
      const out = JSON.parse(tw.evaluateJSON(req.input)) as Output;
      if (req.trim) for (const rr of out.results ?? []) for (const p of rr.predictions ?? []) trimTrace(p.trace);
      result = out;
      break;
    }
    case "check":
      result = tw.check(req.input);
      break;
    case "format":
      result = tw.format(req.input);
      break;
    case "diff":
      result = summarizeDiff(tw.diff(req.input), req.limit ?? Infinity);
      break;
    default:
      result = { error: `unknown operation ${String(req.op)}` };
  }
  const reply: WorkerReply = { id: req.id, result, ms: performance.now() - t0 };
  scope.postMessage(reply);
};
