// Starting the wasm/js module, for the worker and the embed widget (each
// imports gen/wasm_exec.js, which defines Go), and fetching it, for the
// page too.

import type { Tcpwrap } from "../../wasm/js/tcpwrap";

declare const Go: { new (): { importObject: WebAssembly.Imports; run(i: WebAssembly.Instance): Promise<void> } };

/** fetchModule fetches tcpwrap.wasm; an answer other than 2xx is an error. */
export async function fetchModule(url: URL): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.pathname}: HTTP ${res.status}`);
  return res;
}

/**
 * startModule runs the module — compiled already, or fetched from a URL —
 * and returns the API its main registers as globalThis.tcpwrap.
 */
export async function startModule(src: WebAssembly.Module | URL): Promise<Tcpwrap> {
  const go = new Go();
  const instance =
    src instanceof WebAssembly.Module
      ? await WebAssembly.instantiate(src, go.importObject)
      : (await WebAssembly.instantiateStreaming(fetchModule(src), go.importObject)).instance;
  go.run(instance); // main registers globalThis.tcpwrap, then blocks
  const api = (globalThis as { tcpwrap?: Tcpwrap }).tcpwrap;
  if (!api) throw new Error("tcpwrap.wasm did not register globalThis.tcpwrap");
  return api;
}
